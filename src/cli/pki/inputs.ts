import { readFile } from "node:fs/promises";
import {
  CertificateError,
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../../pki/certificate.ts";
import { decodePemBlocks, looksLikePem } from "../../pki/pem.ts";
import { decodeBase64 } from "../../protocol/base64.ts";

/** Input a `certchat pki` command cannot work with (missing file, not a certificate…): exit code 2. */
export class UnusableInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnusableInputError";
  }
}

export async function readInputFile(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UnusableInputError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

/** A certificate file: PEM, base64 or DER. */
export async function readCertificateFile(path: string): Promise<ParsedCertificate> {
  const content = await readInputFile(path, "certificate");
  try {
    return parseCertificate(decodeCertificateText(new Uint8Array(content)));
  } catch (error) {
    if (error instanceof CertificateError) throw new UnusableInputError(`${path}: ${error.message}`);
    throw error;
  }
}

/** A signature file: binary, or base64 text (what clients send over the API). */
export async function readSignatureFile(path: string): Promise<Uint8Array> {
  const content = await readInputFile(path, "signature");
  const text = content.toString("latin1").trim();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text.replace(/\s+/g, ""))) {
    const decoded = decodeBase64(text);
    if (decoded && decoded.length > 0) return decoded;
  }
  return new Uint8Array(content);
}

/** A CMS file: PEM (any label, e.g. CMS or PKCS7) or DER. */
export async function readCmsFile(path: string): Promise<Uint8Array> {
  const content = await readInputFile(path, "CMS");
  const text = content.toString("latin1");
  if (!looksLikePem(text)) return new Uint8Array(content);
  const [block] = decodePemBlocks(text);
  if (!block) throw new UnusableInputError(`${path}: no PEM block`);
  return block.der;
}
