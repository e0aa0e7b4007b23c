/**
 * A personal chat's safety code (docs/CRYPTO.md "Safety code of a personal chat"): 60 decimal digits derived from
 * its pair binding, which two people compare out of band (read aloud, side by side). Both members compute the
 * same code exactly when they agree on both certificate identities their chat's keys are bound to; a member's
 * renewed certificate keeps its identity, so the code survives renewals.
 */
import { sha256 } from "@noble/hashes/sha2.js";

/** Domain separation: these digests are of no other use (the pair binding itself is SHA-256 of the identities). */
const DOMAIN = "certchat safety code v1";
/** Each SHA-256 block gives 6 groups from its first 30 bytes; two blocks give the 12. */
const BLOCKS = 2;
const GROUPS_PER_BLOCK = 6;
const GROUP_BYTES = 5;
const GROUP_MODULUS = 100_000;

const utf8 = new TextEncoder();

/**
 * The code of a pair binding (`pair:<hex>`, chat-binding.ts): 12 groups of 5 digits, space-separated. Block j is
 * SHA-256(UTF-8(DOMAIN) ‖ 0x00 ‖ byte j ‖ UTF-8(binding)); each 5-byte chunk, read big-endian, gives its group as
 * the value modulo 100 000 (a 40-bit value: the bias is below 10⁻⁷).
 */
export function safetyCode(binding: string): string {
  const groups: string[] = [];
  for (let block = 0; block < BLOCKS; block += 1) {
    const digest = sha256(new Uint8Array([...utf8.encode(DOMAIN), 0, block, ...utf8.encode(binding)]));
    for (let group = 0; group < GROUPS_PER_BLOCK; group += 1) {
      let value = 0;
      for (const byte of digest.subarray(group * GROUP_BYTES, (group + 1) * GROUP_BYTES))
        value = value * 256 + byte;
      groups.push(String(value % GROUP_MODULUS).padStart(5, "0"));
    }
  }
  return groups.join(" ");
}

/** The code as it is shown: lines of `groupsPerLine` groups (three lines of four by default). */
export function safetyCodeLines(code: string, groupsPerLine = 4): string[] {
  const groups = code.split(" ");
  const lines: string[] = [];
  for (let at = 0; at < groups.length; at += groupsPerLine)
    lines.push(groups.slice(at, at + groupsPerLine).join(" "));
  return lines;
}
