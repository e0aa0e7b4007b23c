/** The details of a message's signature: the verdict, and the signer's certificate as the page knows it. */
import { Fragment } from "preact";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { t } from "../i18n/index.ts";
import { SignatureMark } from "./signature.tsx";
import { DATE, type Row, shownRows, subjectRows } from "./subject-rows.ts";

export function SignatureDetails(props: { read: ReadMessage; der: Uint8Array | undefined; onClose(): void }) {
  const { read, der } = props;
  const certificate = der ? safeParse(der) : undefined;
  const rows: Row[] = certificate
    ? [
        ...subjectRows(certificate.subject, t.details.signer, certificate.subjectDn),
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
        {shownRows(rows).map(([label, value]) => (
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
