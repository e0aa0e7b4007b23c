/** What the peer panel (peer.tsx) lists of the certificate a personal chat is bound to: labelled rows. */
import type { BoundPeer } from "../../../src/client/pair-peer.ts";
import { t } from "../i18n/index.ts";
import { DATE, shownRows, subjectRows } from "./subject-rows.ts";

/** The rows a person recognises the peer by, empty ones left out. */
export function peerRows(peer: BoundPeer): [string, string][] {
  const until = DATE.format(peer.notAfter);
  return shownRows([
    ...subjectRows(peer.subject, t.peer.name, peer.subjectDn),
    [t.details.issuer, peer.issuer],
    [t.peer.certificate, peer.valid ? t.peer.valid(until) : t.peer.invalid(until)],
  ]);
}
