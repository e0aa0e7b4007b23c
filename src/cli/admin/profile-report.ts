import { normalizePhone } from "../../protocol/phone.ts";
import { balanceOf } from "../../server/storage/repositories/billing.ts";
import { listCertificatesOfProfile } from "../../server/storage/repositories/certificates.ts";
import { listChatsOfProfile } from "../../server/storage/repositories/chats.ts";
import type { Executor } from "../../server/storage/repositories/executor.ts";
import {
  listProfilesByPhones,
  listProfilesWithPhones,
  type ProfileWithPhone,
} from "../../server/storage/repositories/profiles.ts";
import { listConfirmedSessions } from "../../server/storage/repositories/session-admin.ts";

/** What `certchat profile show` prints about one profile. */
export interface ProfileReport {
  pid: number;
  profileKey: string;
  type: number;
  name: string;
  company: string | null;
  title: string | null;
  inn: string | null;
  ogrn: string | null;
  snils: string | null;
  uid: number | null;
  phone: string | null;
  createdAt: string;
  /** Roubles, two decimals. */
  balance: string;
  chats: number;
  liveSessions: number;
  certificates: {
    cid: number;
    fingerprint: string;
    subject: string;
    issuer: string;
    serial: string;
    notBefore: string;
    notAfter: string;
    keyAlgorithm: string;
    addedAt: string;
  }[];
}

/**
 * A profile id (a bare number shorter than a phone) or a phone in any form the API accepts; a phone can hold
 * several profiles of one person, so the answer is a list.
 */
export async function findProfiles(db: Executor, what: string): Promise<ProfileWithPhone[]> {
  const trimmed = what.trim();
  if (/^\d{1,10}$/.test(trimmed)) return listProfilesWithPhones(db, [Number(trimmed)]);
  const phone = normalizePhone(trimmed);
  if (!phone) throw new Error(`"${what}" is neither a profile id nor a phone number`);
  return listProfilesByPhones(db, [phone]);
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function profileReport(
  db: Executor,
  profile: ProfileWithPhone,
  liveSince: number,
): Promise<ProfileReport> {
  const [certificates, chats, sessions, balance] = await Promise.all([
    listCertificatesOfProfile(db, profile.id),
    listChatsOfProfile(db, profile.id),
    listConfirmedSessions(db, { selector: { profileId: profile.id }, seenSince: liveSince, limit: 100_000 }),
    balanceOf(db, profile.id),
  ]);
  return {
    pid: profile.id,
    profileKey: profile.profile_key,
    type: profile.type,
    name: profile.name,
    company: profile.company,
    title: profile.title,
    inn: profile.inn,
    ogrn: profile.ogrn,
    snils: profile.snils,
    uid: profile.user_id,
    phone: profile.phone,
    createdAt: iso(profile.created_at),
    balance: (balance / 100).toFixed(2),
    chats: chats.length,
    liveSessions: sessions.length,
    certificates: certificates.map((c) => ({
      cid: c.id,
      fingerprint: c.fingerprint,
      subject: c.subject_dn,
      issuer: c.issuer_dn,
      serial: c.serial,
      notBefore: iso(c.not_before),
      notAfter: iso(c.not_after),
      keyAlgorithm: c.key_algorithm,
      addedAt: iso(c.created_at),
    })),
  };
}

/** The report as indented text for a terminal. */
export function profileText(report: ProfileReport): string {
  const field = (label: string, value: string | number | null) =>
    value === null ? "" : `  ${label.padEnd(10)} ${value}\n`;
  const certificates = report.certificates
    .map(
      (c) =>
        `  certificate ${c.cid} ${c.keyAlgorithm} ${c.fingerprint}\n    subject  ${c.subject}\n` +
        `    issuer   ${c.issuer}\n    serial   ${c.serial}, valid ${c.notBefore} – ${c.notAfter}, added ${c.addedAt}\n`,
    )
    .join("");
  return (
    `profile ${report.pid}: ${report.name}\n` +
    field("key", report.profileKey) +
    field("type", report.type) +
    field("company", report.company) +
    field("title", report.title) +
    field("INN", report.inn) +
    field("OGRN", report.ogrn) +
    field("SNILS", report.snils) +
    field("phone", report.phone ?? "none confirmed") +
    field("user", report.uid) +
    field("created", report.createdAt) +
    field("balance", report.balance) +
    field("chats", report.chats) +
    field("sessions", `${report.liveSessions} live`) +
    certificates
  );
}
