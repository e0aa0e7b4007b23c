/** The labelled rows a person recognises a certificate's holder by: the signature details and the peer panel. */
import type { SubjectInfo } from "../../../src/pki/certificate.ts";
import { t } from "../i18n/index.ts";

/** A row's label and value; an undefined or empty value is left out when shown. */
export type Row = [string, string | undefined];

export const DATE = new Intl.DateTimeFormat("ru-RU", { dateStyle: "long" });

/**
 * The holder's name (under `nameLabel`; the whole subject DN when the certificate names no person: its holder must
 * still be told apart), organisation, position and Russian IDs.
 */
export function subjectRows(subject: SubjectInfo, nameLabel: string, subjectDn: string): Row[] {
  const name = subject.commonName || [subject.surname, subject.givenName].filter(Boolean).join(" ");
  return [
    [nameLabel, name || subjectDn],
    [t.details.organization, subject.organization],
    [t.details.position, subject.title],
    [t.details.snils, subject.snils],
    [t.details.ogrn, subject.ogrn],
    [t.details.ogrnip, subject.ogrnip],
    [t.details.inn, subject.inn],
    [t.details.innle, subject.innle],
  ];
}

/** The rows that have a value. */
export function shownRows(rows: readonly Row[]): [string, string][] {
  return rows.filter((row): row is [string, string] => !!row[1]);
}
