/** PEM armour: reading every block of a label from a text, and writing one. */
import { base64ToBytes, bytesToBase64 } from "./bytes.ts";

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const [, label = "", body = ""] = match;
    // Drop RFC 1421 headers (e.g. "Proc-Type: ...") that some tools still emit before the base64 body.
    const base64 = body
      .split(/\r?\n/)
      .filter((line) => !line.includes(":"))
      .join("");
    blocks.push({ label, der: base64ToBytes(base64) });
  }
  return blocks;
}

export function encodePem(label: string, der: Uint8Array): string {
  const base64 = bytesToBase64(der);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export function looksLikePem(text: string): boolean {
  return text.includes("-----BEGIN ");
}
