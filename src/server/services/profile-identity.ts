import type { ParsedCertificate, SubjectInfo } from "../../pki/certificate.ts";
import {
  type IdCheck,
  validateInn,
  validateOgrn,
  validateOgrnip,
  validateSnils,
} from "../../pki/russian-ids.ts";
import type { ProfileFields } from "../storage/repositories/profiles.ts";

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
  const fullName = [subject.surname, subject.givenName].filter((part) => part && part.length > 0).join(" ");
  const company =
    subject.organization ?? (type === ProfileType.soleProprietor ? "Индивидуальный предприниматель" : null);
  return {
    profile_key: profileKey,
    type,
    name: fullName || subject.commonName || certificate.subjectDn,
    company,
    title: subject.title ?? null,
    inn: subject.inn ?? subject.innle ?? null,
    ogrn: subject.ogrn ?? subject.ogrnip ?? null,
    snils: subject.snils ?? null,
  };
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
