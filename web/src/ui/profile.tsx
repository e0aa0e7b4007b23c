/** The profile: name, identifiers, phone, balance and certificates. */
import type { ProfileData } from "../../../src/protocol/schemas/identity.ts";
import { t } from "../i18n/index.ts";

export function ProfilePanel({ profile, onClose }: { profile: ProfileData; onClose(): void }) {
  return (
    <aside class="profile" aria-label={t.profile.title}>
      <h2>{profile.name}</h2>
      <dl>
        {profile.company && (
          <>
            <dt>{profile.title ?? ""}</dt>
            <dd>{profile.company}</dd>
          </>
        )}
        <dt>{t.profile.phone}</dt>
        <dd>{profile.phone ?? "—"}</dd>
        {profile.inn && (
          <>
            <dt>ИНН</dt>
            <dd>{profile.inn}</dd>
          </>
        )}
        {profile.snils && (
          <>
            <dt>СНИЛС</dt>
            <dd>{profile.snils}</dd>
          </>
        )}
        {profile.ogrn && (
          <>
            <dt>ОГРН</dt>
            <dd>{profile.ogrn}</dd>
          </>
        )}
        <dt>{t.profile.balance}</dt>
        <dd>{profile.billing.balance.toFixed(2)} ₽</dd>
        <dt>{t.profile.certificates}</dt>
        <dd>{profile.certificates.length}</dd>
      </dl>
      <button type="button" onClick={onClose}>
        {t.profile.close}
      </button>
    </aside>
  );
}
