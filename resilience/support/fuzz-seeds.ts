import { readdirSync } from "node:fs";
import type { TestUser } from "../../test/support/server.ts";
import { readVector, readVectorJson, vectorPath } from "../../test/support/vectors.ts";
import type { FuzzSeeds } from "./fuzz-inputs.ts";

/** DER of every PEM block in a text (certificates, CMS). */
function pemBlocks(text: string): Uint8Array[] {
  const blocks = text.matchAll(/-----BEGIN [A-Z0-9 ]+-----([\s\S]*?)-----END [A-Z0-9 ]+-----/g);
  return [...blocks].map((match) => new Uint8Array(Buffer.from(match[1] ?? "", "base64")));
}

function vectorFiles(folder: string, suffix: string): string[] {
  return readdirSync(vectorPath(folder))
    .filter((name) => name.endsWith(suffix))
    .map((name) => `${folder}/${name}`);
}

interface RawSignatureVector {
  signature_cryptoapi_hex: string;
  signature_x509_s_r_be_hex: string;
}

/**
 * Real artefacts to mutate: the users' certificates (ECDSA and GOST, issued by the server's test CA) and
 * their signatures, plus the shared vectors' GOST certificates, raw GOST signatures and CMS messages.
 */
export function loadSeeds(users: readonly TestUser[]): FuzzSeeds {
  const certificates = [
    ...users.map((user) => user.der),
    ...[
      ...vectorFiles("gost/infotecs-certs", ".pem"),
      ...vectorFiles("gost/tk26iok", ".pem"),
      ...vectorFiles("gost/rfc9215", "-cert.pem"),
    ].flatMap((file) => pemBlocks(readVector(file).toString("utf8"))),
    ...vectorFiles("gost/cryptopro-real", ".cer").map((file) => new Uint8Array(readVector(file))),
  ];
  const rawGost = readVectorJson<{ vectors: RawSignatureVector[] }>(
    "gost/cryptopro-raw-signatures.json",
  ).vectors;
  const signatures = [
    ...users
      .flatMap((user) => [user.sign(user.der), user.sign(user.der, otherLayoutOf(user))])
      .map((text) => new Uint8Array(Buffer.from(text, "base64"))),
    ...rawGost
      .flatMap((vector) => [vector.signature_cryptoapi_hex, vector.signature_x509_s_r_be_hex])
      .map((hex) => new Uint8Array(Buffer.from(hex, "hex"))),
  ];
  const cms = [
    ...vectorFiles("gost/tk26cms", ".pem").flatMap((file) => pemBlocks(readVector(file).toString("utf8"))),
    ...vectorFiles("gost-legacy/cms", ".der").map((file) => new Uint8Array(readVector(file))),
  ];
  return { certificates, signatures, cms };
}

/** The other signature layout of a user's key (r||s for ECDSA, s||r big-endian for GOST). */
function otherLayoutOf(user: TestUser): "raw" | "standard" {
  // GOST R 34.10-2012 key OIDs 1.2.643.7.1.1.1.{1,2} in the certificate's DER.
  const gost = Buffer.from(user.der).includes(Buffer.from([0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01]));
  return gost ? "standard" : "raw";
}
