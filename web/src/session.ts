/**
 * Logging in from the page, step by step so the UI can ask for the phone and the SMS code only when the server
 * wants them: auth (the certificate signed by its key) → confirmAuth (the nonce signed) → registryPhone →
 * confirmPhone. The same calls as the SDK's Messenger.login, split at the points a person has to answer.
 */
import { CertchatApi } from "../../src/client/api.ts";
import { Messenger } from "../../src/client/messenger.ts";
import type { Signer } from "../../src/client/signing.ts";
import { signatureVerifier } from "../../src/client/verification.ts";
import { decodeBase64, encodeBase64 } from "../../src/protocol/base64.ts";
import { normalizePhone } from "../../src/protocol/phone.ts";
import { UserFacingError } from "./errors.ts";
import { t } from "./i18n/index.ts";

export interface PendingLogin {
  readonly api: CertchatApi;
  readonly signer: Signer;
  /** True when the server wants a confirmed phone before the session can be used. */
  readonly needPhone: boolean;
}

/** The API's origin: the page is served by certchat itself. */
export const SERVER = window.location.origin;

export async function signIn(signer: Signer): Promise<PendingLogin> {
  const api = new CertchatApi(SERVER);
  const { nonce } = await api.auth({
    cert: encodeBase64(signer.certificate),
    sign: encodeBase64(await signer.sign(signer.certificate)),
  });
  const nonceBytes = decodeBase64(nonce);
  if (!nonceBytes) throw new UserFacingError(t.apiErrors.InvalidResponse);
  const { needRegisterPhone } = await api.confirmAuth(encodeBase64(await signer.sign(nonceBytes)));
  return { api, signer, needPhone: needRegisterPhone };
}

/** Asks the server to send the SMS code; the id to confirm it with. */
export async function requestCode(login: PendingLogin, phone: string): Promise<number> {
  const normalized = normalizePhone(phone);
  if (!normalized) throw new UserFacingError(t.errors.notAPhone);
  const { id } = await login.api.registryPhone(normalized);
  return id;
}

export async function confirmCode(login: PendingLogin, id: number, code: string): Promise<void> {
  await login.api.confirmPhone(id, code.trim());
}

/**
 * The page takes the certificates its own server lists as their profiles' (docs/WEB.md "Trust"): the page's code
 * comes from that same server, so anchors shipped with it would be the server's word too. A client served from
 * elsewhere (the CLI, the SDK) pins CA anchors instead.
 */
export function messengerOf(login: PendingLogin): Messenger {
  return new Messenger(login.api, login.signer, signatureVerifier(), { serverCertificates: true });
}
