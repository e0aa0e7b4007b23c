/** A message's signature verdict: ✓ verified, ✗ invalid, ? unknown certificate; the reason in its title. */
import type { ReadMessage } from "../../../src/client/messenger.ts";
import { t } from "../i18n/index.ts";

const SYMBOLS = { verified: "✓", invalid: "✗", "unknown-certificate": "?" } as const;

export function SignatureMark({ read, compact = false }: { read: ReadMessage; compact?: boolean }) {
  const label = t.signature[read.signature];
  return (
    <span
      class={`sig sig-${read.signature}`}
      title={read.problem ? `${label}: ${read.problem}` : label}
      data-signature={read.signature}
    >
      {SYMBOLS[read.signature]}
      {!compact && <span class="sig-label">{label}</span>}
    </span>
  );
}
