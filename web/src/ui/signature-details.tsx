/** The details of a message's signature: the verdict, and the signer's certificate as the page knows it. */
import { Fragment } from "preact";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { t } from "../i18n/index.ts";
import { SignatureMark } from "./signature.tsx";

const DATE = new Intl.DateTimeFormat("ru-RU", { dateStyle: "long" });

export function SignatureDetails(props: { read: ReadMessage; der: Uint8Array | undefined; onClose(): void }) {
  const { read, der } = props;
  const certificate = der ? safeParse(der) : undefined;
  const subject = certificate?.subject;
  const rows: [string, string | undefined][] = subject
    ? [
        [
          t.details.signer,
          subject.commonName ?? [subject.surname, subject.givenName].filter(Boolean).join(" "),
        ],
        [t.details.organization, subject.organization],
        [t.details.position, subject.title],
        [t.details.inn, subject.inn],
        [t.details.innle, subject.innle],
        [t.details.ogrn, subject.ogrn],
        [t.details.ogrnip, subject.ogrnip],
        [t.details.snils, subject.snils],
        [
          t.details.validity,
          t.details.validityRange(DATE.format(certificate.notBefore), DATE.format(certificate.notAfter)),
        ],
        [t.details.issuer, certificate.issuerDn],
        [t.details.algorithm, certificate.keyAlgorithm],
      ]
    : [];
  return (
    <div class="details" role="dialog" aria-label={t.details.title}>
      <p>
        <SignatureMark read={read} />
      </p>
      {read.problem && (
        <p class="hint">
          {t.details.problem}: {read.problem}
        </p>
      )}
      {!certificate && <p class="hint">{t.details.unknownCertificate}</p>}
      <dl>
        {rows
          .filter((row): row is [string, string] => !!row[1])
          .map(([label, value]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
      </dl>
      <button type="button" class="small" onClick={props.onClose}>
        {t.details.close}
      </button>
    </div>
  );
}

function safeParse(der: Uint8Array) {
  try {
    return parseCertificate(der);
  } catch {
    return undefined;
  }
}
