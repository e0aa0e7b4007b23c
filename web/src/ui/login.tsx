/**
 * Login: the key from files (certificate + PKCS#8 key, or a PFX) or the key remembered on this device, then the
 * auth and nonce signatures made in the page, then the phone and SMS code when the server asks for them.
 */
import { useEffect, useState } from "preact/hooks";
import type { Messenger } from "../../../src/client/messenger.ts";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { describeError, UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import {
  forget,
  MIN_PASSPHRASE,
  type RememberedMaterial,
  remember,
  rememberedHolder,
  sourceOf,
  unlock,
} from "../keys/remember.ts";
import { confirmCode, messengerOf, type PendingLogin, requestCode, signIn } from "../session.ts";
import { ErrorLine } from "./error-line.tsx";
import { bytesOf } from "./files.ts";
import { formatPhone } from "./phone.ts";

type Stage =
  | { kind: "key" }
  | { kind: "phone"; login: PendingLogin }
  | { kind: "code"; login: PendingLogin; phone: string; id: number };

export function LoginScreen(props: {
  notice?: string | undefined;
  onLoggedIn: (messenger: Messenger) => void;
}) {
  const { onLoggedIn } = props;
  const [stage, setStage] = useState<Stage>({ kind: "key" });
  const [error, setError] = useState<string | undefined>(props.notice);
  const [busy, setBusy] = useState(false);

  async function attempt(work: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  function proceed(login: PendingLogin) {
    if (login.needPhone) setStage({ kind: "phone", login });
    else onLoggedIn(messengerOf(login));
  }

  return (
    <main class="login">
      <section class="card">
        <h1>{t.appName}</h1>
        {stage.kind === "key" && (
          <KeyStep
            busy={busy}
            onKey={(material, rememberWith) =>
              attempt(async () => {
                const signer = await sourceOf(material).open();
                const login = await signIn(signer);
                if (rememberWith) await remember(material, holderOf(signer.certificate), rememberWith);
                proceed(login);
              })
            }
            onUnlock={(passphrase) =>
              attempt(async () => {
                const material = await unlock(passphrase);
                proceed(await signIn(await sourceOf(material).open()));
              })
            }
          />
        )}
        {stage.kind === "phone" && (
          <PhoneStep
            busy={busy}
            onPhone={(phone) =>
              attempt(async () => {
                const id = await requestCode(stage.login, phone);
                setStage({ kind: "code", login: stage.login, phone, id });
              })
            }
          />
        )}
        {stage.kind === "code" && (
          <CodeStep
            busy={busy}
            phone={stage.phone}
            onCode={(code) =>
              attempt(async () => {
                await confirmCode(stage.login, stage.id, code);
                onLoggedIn(messengerOf(stage.login));
              })
            }
          />
        )}
        {busy && (
          <p class="hint" aria-live="polite">
            {t.login.working}
          </p>
        )}
        <ErrorLine message={error} />
      </section>
    </main>
  );
}

function holderOf(certificate: Uint8Array): string {
  const { subject } = parseCertificate(certificate);
  return subject.commonName ?? [subject.surname, subject.givenName].filter(Boolean).join(" ");
}

interface KeyStepProps {
  busy: boolean;
  /** `rememberWith`: the passphrase to keep the key under, when the user asked to remember it. */
  onKey(material: RememberedMaterial, rememberWith: string | undefined): void;
  onUnlock(passphrase: string): void;
}

function KeyStep({ busy, onKey, onUnlock }: KeyStepProps) {
  const [holder, setHolder] = useState<string>();
  const [useSaved, setUseSaved] = useState(true);
  useEffect(() => {
    rememberedHolder().then(setHolder, () => setHolder(undefined));
  }, []);
  if (holder && useSaved) {
    return (
      <UnlockForm
        holder={holder}
        busy={busy}
        onUnlock={onUnlock}
        onOther={() => setUseSaved(false)}
        onForget={() => {
          void forget().then(() => setHolder(undefined));
        }}
      />
    );
  }
  return <KeyForm busy={busy} onKey={onKey} />;
}

function UnlockForm(props: {
  holder: string;
  busy: boolean;
  onUnlock(passphrase: string): void;
  onOther(): void;
  onForget(): void;
}) {
  const [passphrase, setPassphrase] = useState("");
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        props.onUnlock(passphrase);
      }}
    >
      <h2>{t.login.savedTitle}</h2>
      <p class="holder">{props.holder}</p>
      <SecretField
        label={t.login.passphrase}
        name="passphrase"
        autocomplete="current-password"
        value={passphrase}
        onValue={setPassphrase}
      />
      <button type="submit" disabled={props.busy || passphrase.length === 0}>
        {t.login.unlock}
      </button>
      <div class="row">
        <button type="button" class="link" onClick={props.onOther}>
          {t.login.useOther}
        </button>
        <button type="button" class="link" onClick={props.onForget}>
          {t.login.forget}
        </button>
      </div>
    </form>
  );
}

function KeyForm({ busy, onKey }: { busy: boolean; onKey: KeyStepProps["onKey"] }) {
  const [mode, setMode] = useState<"files" | "pfx">("files");
  const [certificate, setCertificate] = useState<File>();
  const [key, setKey] = useState<File>();
  const [pfx, setPfx] = useState<File>();
  const [password, setPassword] = useState("");
  const [rememberKey, setRememberKey] = useState(false);
  const [passphrase, setPassphrase] = useState("");
  const [problem, setProblem] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    setProblem(undefined);
    try {
      if (rememberKey && passphrase.length < MIN_PASSPHRASE)
        throw new UserFacingError(t.login.passphraseShort);
      let material: RememberedMaterial;
      if (mode === "pfx") {
        if (!pfx) throw new UserFacingError(t.login.choosePfx);
        material = { kind: "pfx", pfx: await bytesOf(pfx), password };
      } else {
        if (!certificate || !key) throw new UserFacingError(t.login.chooseFiles);
        material = {
          kind: "files",
          certificate: await bytesOf(certificate),
          key: await bytesOf(key),
          ...(password ? { password } : {}),
        };
      }
      onKey(material, rememberKey ? passphrase : undefined);
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <form onSubmit={submit}>
      <h2>{t.login.title}</h2>
      <p class="hint">{t.login.intro}</p>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === "files"} onClick={() => setMode("files")}>
          {t.login.modeFiles}
        </button>
        <button type="button" role="tab" aria-selected={mode === "pfx"} onClick={() => setMode("pfx")}>
          {t.login.modePfx}
        </button>
      </div>
      {mode === "files" ? (
        <>
          <FileField
            label={t.login.certificate}
            name="certificate"
            accept=".pem,.crt,.cer,.der"
            onFile={setCertificate}
          />
          <FileField label={t.login.key} name="key" accept=".pem,.key,.der,.p8" onFile={setKey} />
          <SecretField label={t.login.keyPassword} name="password" value={password} onValue={setPassword} />
        </>
      ) : (
        <>
          <FileField label={t.login.pfx} name="pfx" accept=".pfx,.p12" onFile={setPfx} />
          <SecretField
            label={t.login.pfxPassword}
            name="pfx-password"
            value={password}
            onValue={setPassword}
          />
        </>
      )}
      <label class="check">
        <input
          type="checkbox"
          name="remember"
          checked={rememberKey}
          onChange={(event) => setRememberKey(event.currentTarget.checked)}
        />
        {t.login.remember}
      </label>
      {rememberKey && (
        <SecretField
          label={t.login.passphrase}
          name="passphrase"
          autocomplete="new-password"
          hint={t.login.passphraseHint}
          value={passphrase}
          onValue={setPassphrase}
        />
      )}
      <button type="submit" disabled={busy}>
        {t.login.submit}
      </button>
      <ErrorLine message={problem} />
    </form>
  );
}

function FileField(props: {
  label: string;
  name: string;
  accept: string;
  onFile(file: File | undefined): void;
}) {
  return (
    <label>
      {props.label}
      <input
        type="file"
        name={props.name}
        accept={props.accept}
        onChange={(event) => props.onFile(event.currentTarget.files?.[0])}
      />
    </label>
  );
}

/** A password input that the browser must not fill from its store (keys' passwords) unless told otherwise. */
function SecretField(props: {
  label: string;
  name: string;
  value: string;
  onValue(value: string): void;
  autocomplete?: string;
  hint?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type="password"
        name={props.name}
        autocomplete={props.autocomplete ?? "off"}
        value={props.value}
        onInput={(event) => props.onValue(event.currentTarget.value)}
      />
      {props.hint && <span class="hint">{props.hint}</span>}
    </label>
  );
}

function PhoneStep({ busy, onPhone }: { busy: boolean; onPhone(phone: string): void }) {
  const [phone, setPhone] = useState("");
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onPhone(phone);
      }}
    >
      <h2>{t.phone.title}</h2>
      <p class="hint">{t.phone.intro}</p>
      <label>
        {t.phone.phone}
        <input
          type="tel"
          name="phone"
          autocomplete="tel"
          placeholder="+7 999 123-45-67"
          value={phone}
          onInput={(event) => setPhone(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy || phone.trim().length === 0}>
        {t.phone.send}
      </button>
    </form>
  );
}

function CodeStep({ busy, phone, onCode }: { busy: boolean; phone: string; onCode(code: string): void }) {
  const [code, setCode] = useState("");
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        onCode(code);
      }}
    >
      <h2>{t.phone.title}</h2>
      <p class="hint">{t.phone.sentTo(formatPhone(phone))}</p>
      <label>
        {t.phone.code}
        <input
          type="text"
          name="code"
          inputMode="numeric"
          autocomplete="one-time-code"
          value={code}
          onInput={(event) => setCode(event.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy || code.trim().length === 0}>
        {t.phone.confirm}
      </button>
    </form>
  );
}
