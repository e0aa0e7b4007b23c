/** The profile: name, identifiers, phone, balance, and every certificate of the profile with its validity. */
import { useEffect } from "preact/hooks";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { decodeBase64 } from "../../../src/protocol/base64.ts";
import type { ProfileData } from "../../../src/protocol/schemas/identity.ts";
import { t } from "../i18n/index.ts";
import { formatPhone } from "./phone.ts";

const DATE = new Intl.DateTimeFormat("ru-RU", { dateStyle: "long" });

export function ProfilePanel({ profile, onClose }: { profile: ProfileData; onClose(): void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const ids: [string, string | null][] = [
    [t.profile.phone, profile.phone ? formatPhone(profile.phone) : null],
    ["ИНН", profile.inn],
    ["СНИЛС", profile.snils],
    ["ОГРН", profile.ogrn],
  ];
  return (
    <aside class="profile" aria-label={t.profile.title}>
      <h2>{profile.name}</h2>
      {profile.company && <p class="hint">{[profile.title, profile.company].filter(Boolean).join(", ")}</p>}
      <dl>
        {ids
          .filter((row): row is [string, string] => !!row[1])
          .map(([label, value]) => (
            <div class="pair" key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        <div class="pair">
          <dt>{t.profile.balance}</dt>
          <dd>{profile.billing.balance.toFixed(2)} ₽</dd>
        </div>
      </dl>
      <h3>{t.profile.certificates}</h3>
      <ul class="certificates">
        {profile.certificates.map((certificate) => (
          <li key={certificate.id}>
            {describeCertificate(certificate.cert, certificate.id === profile.cid)}
          </li>
        ))}
      </ul>
      <button type="button" onClick={onClose}>
        {t.profile.close}
      </button>
    </aside>
  );
}

function describeCertificate(base64: string, current: boolean): string {
  const der = decodeBase64(base64);
  try {
    if (!der) throw new Error("not base64");
    const parsed = parseCertificate(der);
    const parts = [parsed.keyAlgorithm, t.profile.validUntil(DATE.format(parsed.notAfter)), parsed.issuerDn];
    return `${current ? `${t.profile.current}: ` : ""}${parts.join(" · ")}`;
  } catch {
    return "—";
  }
}
