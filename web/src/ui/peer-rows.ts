/** What the peer panel (peer.tsx) lists of the certificate a personal chat is bound to: labelled rows. */
import type { BoundPeer } from "../../../src/client/pair-peer.ts";
import { t } from "../i18n/index.ts";

const DATE = new Intl.DateTimeFormat("ru-RU", { dateStyle: "long" });

/** The rows a person recognises the peer by, empty ones left out. */
export function peerRows(peer: BoundPeer): [string, string][] {
  const { subject } = peer;
  const until = DATE.format(peer.notAfter);
  const rows: [string, string | undefined][] = [
    [t.peer.name, subject.commonName ?? [subject.surname, subject.givenName].filter(Boolean).join(" ")],
    [t.details.organization, subject.organization],
    [t.details.position, subject.title],
    [t.details.snils, subject.snils],
    [t.details.ogrn, subject.ogrn],
    [t.details.ogrnip, subject.ogrnip],
    [t.details.inn, subject.inn],
    [t.details.innle, subject.innle],
    [t.details.issuer, peer.issuer],
    [t.peer.certificate, peer.valid ? t.peer.valid(until) : t.peer.invalid(until)],
  ];
  return rows.filter((row): row is [string, string] => !!row[1]);
}
