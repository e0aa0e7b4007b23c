import type { ParsedCertificate, SubjectInfo } from "../../pki/certificate.ts";
import {
  type IdCheck,
  validateInn,
  validateOgrn,
  validateOgrnip,
  validateSnils,
} from "../../pki/russian-ids.ts";
import type { Profile, ProfileFields } from "../storage/repositories/profiles.ts";

export const ProfileType = { unknown: 0, privatePerson: 1, soleProprietor: 2, employee: 3 } as const;

/**
 * The profile a certificate belongs to (docs/DECISIONS.md §4). Qualified certificates (`qualified`: issued under a CA
 * the operator marked qualified) are keyed by SNILS plus OGRN or OGRNIP, so a renewed certificate, even from
 * another accredited CA, finds the same profile; any other certificate by issuer and subject DN, whatever
 * Russian IDs it carries: a CA that is not accredited may not speak for a SNILS.
 */
export function profileFieldsOf(
  certificate: Pick<ParsedCertificate, "subject" | "issuerDn" | "subjectDn">,
  qualified: boolean,
): ProfileFields {
  const subject = certificate.subject;
  const type = subject.ogrnip
    ? ProfileType.soleProprietor
    : subject.ogrn
      ? ProfileType.employee
      : subject.snils
        ? ProfileType.privatePerson
        : ProfileType.unknown;
  const profileKey =
    qualified && subject.snils
      ? `ru:${subject.snils}:${subject.ogrnip ?? subject.ogrn ?? "-"}`
      : `dn:${certificate.issuerDn}|${certificate.subjectDn}`;
  const fullName = shown([subject.surname, subject.givenName].filter((part) => part).join(" "));
  const company =
    shown(subject.organization) ||
    (type === ProfileType.soleProprietor ? "Индивидуальный предприниматель" : null);
  return {
    profile_key: profileKey,
    type,
    name: fullName || shown(subject.commonName) || shown(certificate.subjectDn),
    company,
    title: shown(subject.title) || null,
    inn: subject.inn ?? subject.innle ?? null,
    ogrn: subject.ogrn ?? subject.ogrnip ?? null,
    snils: subject.snils ?? null,
  };
}

/**
 * The SNILS a profile is keyed by ("ru:<snils>:…": a qualified CA vouched for it), or null for profiles keyed
 * otherwise. It is what makes two profiles one person: they may share a phone, and a lookup quota.
 */
export function vouchedSnils(profile: Pick<Profile, "profile_key" | "snils">): string | null {
  return profile.profile_key.startsWith("ru:") ? profile.snils : null;
}

/** Bidirectional controls (U+202E turns the rest of a name around) and control characters (ANSI escapes). */
const BIDI_CONTROL = /\p{Bidi_Control}/gu;
const CONTROL = /\p{Cc}/gu;

/**
 * Characters (code points) of a name, company or title others are shown. X.520's bounds for these attributes
 * are 64 or fewer, and real Russian organisation names stay well under this; a certificate may still carry up to
 * its 64 KiB (an outside review: a 60 KB name reached every contact list and search result).
 */
const MAX_SHOWN_CHARACTERS = 256;

/**
 * A subject field as every client may show it to other people (the deployed Android one shows it as stored):
 * bidirectional controls dropped, control characters as spaces, runs of whitespace as one, trimmed, and cut to
 * MAX_SHOWN_CHARACTERS with an ellipsis.
 */
function shown(text: string | undefined): string {
  const cleaned = (text ?? "").replace(BIDI_CONTROL, "").replace(CONTROL, " ").replace(/\s+/g, " ").trim();
  // Code points, not UTF-16 units: a cut must not split a surrogate pair.
  const characters = [...cleaned];
  if (characters.length <= MAX_SHOWN_CHARACTERS) return cleaned;
  return `${characters
    .slice(0, MAX_SHOWN_CHARACTERS - 1)
    .join("")
    .trimEnd()}…`;
}

/** Bad check digits of the subject's Russian identifiers, for the operator's log ([] when all are fine). */
export function idCheckProblems(subject: SubjectInfo): string[] {
  const checks: [string | undefined, (value: unknown) => IdCheck][] = [
    [subject.inn, validateInn],
    [subject.innle, validateInn],
    [subject.snils, validateSnils],
    [subject.ogrn, validateOgrn],
    [subject.ogrnip, validateOgrnip],
  ];
  return checks.flatMap(([value, validate]) => {
    if (value === undefined) return [];
    const check = validate(value);
    return check.valid ? [] : [check.reason ?? `bad value ${value}`];
  });
}
