import { parseDuration } from "../../server/config.ts";

/**
 * `--since`: an ISO 8601 date or time ("2026-12-01", "2026-12-01T10:00:00Z") or a duration back from now
 * ("24h", "7d"). Returns Unix milliseconds.
 */
export function parseSince(text: string, now: number): number {
  if (/^\d+(ms|s|m|h|d)$/.test(text.trim())) return now - parseDuration("--since", text);
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(at)) {
    throw new Error(
      `--since expects an ISO date or time (2026-12-01T10:00:00Z) or a duration (24h, 7d), got "${text}"`,
    );
  }
  return at;
}
