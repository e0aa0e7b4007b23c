import { generateKeyPairSync } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../src/pki/certificate.ts";
import { AttributeOid } from "../../src/pki/oids.ts";
import { encodePem } from "../../src/pki/pem.ts";
import { importPrivateKey } from "../../src/pki/private-key.ts";
import {
  buildCertificate,
  buildName,
  keyIdentifierOf,
  randomSerialNumber,
} from "../../src/pki/x509-builder.ts";
import { CA_CERT_FILE, CA_KEY_FILE } from "../../src/server/test-ca.ts";

const DAY_MS = 86_400_000;

/**
 * An intermediate CA under the test CA of `rootDir`, laid out in `dir` as a test CA is (ca.pem, ca-key.pem):
 * issueTestCertificate(dir, …) issues leaves under it, createTestCrl(rootDir, …) can revoke it.
 */
export async function createIntermediateCa(
  rootDir: string,
  dir: string,
  name: string,
): Promise<ParsedCertificate> {
  const root = parseCertificate(decodeCertificateText(await readFile(join(rootDir, CA_CERT_FILE), "utf8")));
  const rootSigner = await importPrivateKey(await readFile(join(rootDir, CA_KEY_FILE), "utf8"));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = await buildCertificate(
    {
      subject: buildName([
        { oid: AttributeOid.commonName, value: name },
        { oid: AttributeOid.organization, value: "certchat test" },
        { oid: AttributeOid.country, value: "RU" },
      ]),
      issuer: root.certificate.subject,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 365 * DAY_MS),
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: true,
      keyUsage: { keyCertSign: true, cRLSign: true },
      authorityKeyId: keyIdentifierOf(root.certificate.subjectPublicKeyInfo),
    },
    rootSigner,
  );
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, CA_KEY_FILE), privateKey.export({ format: "pem", type: "pkcs8" }).toString());
  await writeFile(join(dir, CA_CERT_FILE), encodePem("CERTIFICATE", der));
  return parseCertificate(der);
}
