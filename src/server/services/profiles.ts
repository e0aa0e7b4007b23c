import { encodeBase64 } from "../../protocol/base64.ts";
import type { ProfileData } from "../../protocol/schemas/identity.ts";
import { listCertificatesOfProfile } from "../storage/repositories/certificates.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { phoneAndBalanceOf } from "../storage/repositories/profiles.ts";
import { threePartName } from "./full-name.ts";
import type { Identity } from "./sessions.ts";

/** Profiles as their owners see them (spec "Профиль"). */
export class ProfileService {
  constructor(private readonly db: Executor) {}

  /** The caller's own profile as /api/profile/ shows it. */
  async view(identity: Identity): Promise<ProfileData> {
    const { profile, session } = identity;
    const [{ phone, balanceMinor }, certificates] = await Promise.all([
      phoneAndBalanceOf(this.db, profile),
      listCertificatesOfProfile(this.db, profile.id),
    ]);
    return {
      pid: profile.id,
      cid: session.certificate_id,
      type: profile.type,
      name: threePartName(profile.name),
      company: profile.company,
      title: profile.title,
      inn: profile.inn,
      ogrn: profile.ogrn,
      orgn: profile.ogrn,
      snils: profile.snils,
      phone,
      photo: profile.photo,
      billing: { balance: balanceMinor / 100 },
      certificates: certificates.map((row) => ({ id: row.id, cert: encodeBase64(new Uint8Array(row.der)) })),
    };
  }
}
