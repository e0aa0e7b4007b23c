import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type * as pkijs from "pkijs";
import {
  CertificateError,
  decodeCertificateText,
  type ParsedCertificate,
  parseCertificate,
} from "../pki/certificate.ts";
import { decodePemBlocks, looksLikePem } from "../pki/pem.ts";
import { parseCrl, type TrustInput } from "../pki/trust.ts";
import type { TrustSource } from "./trust-list.ts";

/**
 * Reading trust anchors and CRLs from files for a PKI instance (createPki({ trust })): files or directories
 * (not recursive) of PEM or DER; a PEM file may hold several certificates or CRLs.
 */

export interface TrustFiles extends TrustInput {
  anchors: ParsedCertificate[];
  crls: pkijs.CertificateRevocationList[];
  qualified: Set<string>;
  /** The file each certificate was read from (the first, if listed twice), by fingerprint: for warnings. */
  files: Map<string, string>;
}

const CERTIFICATE_FILE_EXTENSIONS = new Set([".pem", ".crt", ".cer", ".der"]);
const CRL_FILE_EXTENSIONS = new Set([".pem", ".crl", ".der"]);

export async function readTrustPaths(certPaths: string[], crlPaths: string[] = []): Promise<TrustFiles> {
  return readTrustSources(
    certPaths.map((path) => ({ path, qualified: false })),
    crlPaths,
  );
}

/** As `readTrustPaths`; the certificates of sources marked qualified may assert Russian IDs (and their CAs' too). */
export async function readTrustSources(
  sources: readonly TrustSource[],
  crlPaths: string[] = [],
): Promise<TrustFiles> {
  const anchors: ParsedCertificate[] = [];
  const qualified = new Set<string>();
  const files = new Map<string, string>();
  for (const source of sources) {
    for (const { file, listed } of await expandPaths([source.path], CERTIFICATE_FILE_EXTENSIONS)) {
      const certificates = await readCertificateFile(file, listed);
      anchors.push(...certificates);
      for (const c of certificates) if (!files.has(c.fingerprint)) files.set(c.fingerprint, file);
      if (source.qualified) for (const c of certificates) qualified.add(c.fingerprint);
    }
  }
  const crls: pkijs.CertificateRevocationList[] = [];
  for (const { file, listed } of await expandPaths(crlPaths, CRL_FILE_EXTENSIONS)) {
    crls.push(...(await readCrlFile(file, listed)));
  }
  return { anchors, crls, qualified, files };
}

/** A file to read, `listed` when a folder's listing found it rather than a setting naming it. */
interface TrustFile {
  file: string;
  listed: boolean;
}

async function expandPaths(paths: readonly string[], extensions: ReadonlySet<string>): Promise<TrustFile[]> {
  const files: TrustFile[] = [];
  for (const path of paths) {
    const info = await stat(path);
    if (!info.isDirectory()) {
      files.push({ file: path, listed: false });
      continue;
    }
    const names = (await readdir(path)).filter(
      (n) => !n.startsWith(".") && extensions.has(extname(n).toLowerCase()),
    );
    for (const name of names.sort()) {
      if ((await stat(join(path, name))).isFile()) files.push({ file: join(path, name), listed: true });
    }
  }
  return files;
}

/**
 * PEM labels a folder of CA certificates or CRLs may hold beside them (a CA's folder as `certchat serve` writes it:
 * ca.pem, ca-key.pem, crl.pem): a listed file holding only such blocks is skipped, not the whole setting refused.
 * Anything else (an OpenSSL TRUSTED CERTIFICATE, garbage) still refuses it: a CA or CRL meant to count must not be
 * dropped unseen.
 */
function onlyOtherKnownBlocks(labels: readonly string[]): boolean {
  const known =
    /^(X509 CERTIFICATE|CERTIFICATE|X509 CRL|CERTIFICATE REQUEST|PUBLIC KEY|([A-Z]+ )?PRIVATE KEY)$/;
  return labels.length > 0 && labels.every((label) => known.test(label));
}

async function readCertificateFile(file: string, listed: boolean): Promise<ParsedCertificate[]> {
  const content = await readFile(file);
  try {
    const text = content.toString("latin1");
    if (!looksLikePem(text)) return [parseCertificate(decodeCertificateText(new Uint8Array(content)))];
    const all = decodePemBlocks(text);
    const blocks = all.filter((b) => b.label === "CERTIFICATE" || b.label === "X509 CERTIFICATE");
    if (blocks.length === 0 && listed && onlyOtherKnownBlocks(all.map((b) => b.label))) return [];
    if (blocks.length === 0) throw new CertificateError("no CERTIFICATE block");
    return blocks.map((block) => parseCertificate(block.der));
  } catch (error) {
    throw new CertificateError(`${file}: ${(error as Error).message}`);
  }
}

async function readCrlFile(file: string, listed: boolean): Promise<pkijs.CertificateRevocationList[]> {
  const content = await readFile(file);
  try {
    const text = content.toString("latin1");
    if (!looksLikePem(text)) return [parseCrl(new Uint8Array(content))];
    const all = decodePemBlocks(text);
    const blocks = all.filter((b) => b.label === "X509 CRL");
    if (blocks.length === 0 && listed && onlyOtherKnownBlocks(all.map((b) => b.label))) return [];
    if (blocks.length === 0) throw new CertificateError("no X509 CRL block");
    return blocks.map((block) => parseCrl(block.der));
  } catch (error) {
    throw new CertificateError(`${file}: ${(error as Error).message}`);
  }
}
