import { encodeBase64 } from "../../protocol/base64.ts";
import type { ProfileData } from "../../protocol/schemas/identity.ts";
import { balanceOf } from "../storage/repositories/billing.ts";
import { listCertificatesOfProfile } from "../storage/repositories/certificates.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { findUserById } from "../storage/repositories/users.ts";
import type { Identity } from "./sessions.ts";

/** The caller's own profile as /api/profile/ shows it. */
export async function profileView(db: Executor, identity: Identity): Promise<ProfileData> {
  const { profile, session } = identity;
  const [user, balanceMinor, certificates] = await Promise.all([
    profile.user_id === null ? undefined : findUserById(db, profile.user_id),
    balanceOf(db, profile.id),
    listCertificatesOfProfile(db, profile.id),
  ]);
  return {
    pid: profile.id,
    cid: session.certificate_id,
    type: profile.type,
    name: profile.name,
    company: profile.company,
    title: profile.title,
    inn: profile.inn,
    ogrn: profile.ogrn,
    orgn: profile.ogrn,
    snils: profile.snils,
    phone: user?.phone ?? null,
    photo: profile.photo,
    billing: { balance: balanceMinor / 100 },
    certificates: certificates.map((row) => ({ id: row.id, cert: encodeBase64(new Uint8Array(row.der)) })),
  };
}
