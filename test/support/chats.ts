import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { type ApiServer, issueUser, logIn, registerPhone, type TestUser } from "./server.ts";

/**
 * Client-side crypto for the chat tests, deliberately simple (the SDK issue brings the real scheme): a chat
 * key is 32 random bytes, "wrapped" for a certificate by XOR with SHA-256 of the certificate's DER, and texts
 * and files are AES-256-GCM under the chat key. The server sees only the wrapped keys and ciphertext.
 */
export function newChatKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

function pad(certBase64: string): Buffer {
  return createHash("sha256").update(Buffer.from(certBase64, "base64")).digest();
}

export function wrapKey(chatKey: Uint8Array, certBase64: string): string {
  const mask = pad(certBase64);
  return Buffer.from(chatKey.map((byte, index) => byte ^ (mask[index] ?? 0))).toString("base64");
}

export function unwrapKey(wrapped: string, certBase64: string): Uint8Array {
  return new Uint8Array(
    Buffer.from(wrapKey(new Uint8Array(Buffer.from(wrapped, "base64")), certBase64), "base64"),
  );
}

export function encrypt(chatKey: Uint8Array, plaintext: Uint8Array | string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", chatKey, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
}

export function decrypt(chatKey: Uint8Array, ciphertext: string): Buffer {
  const bytes = Buffer.from(ciphertext, "base64");
  const decipher = createDecipheriv("aes-256-gcm", chatKey, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(-16));
  return Buffer.concat([decipher.update(bytes.subarray(12, -16)), decipher.final()]);
}

export interface CertificateRef {
  id: number;
  cert: string;
}

/** Whom a chat key is wrapped for: a profile and its certificates (as contacts and profile list them). */
export interface KeyHolder {
  pid: number;
  certificates: CertificateRef[];
}

/** The createChat `keys` array: the chat key wrapped for every certificate of every holder. */
export function keysFor(chatKey: Uint8Array, holders: KeyHolder[]) {
  return holders.flatMap((holder) =>
    holder.certificates.map((certificate) => ({
      pid: holder.pid,
      cid: certificate.id,
      key: wrapKey(chatKey, certificate.cert),
    })),
  );
}

/** A user with a confirmed phone and a session, as the chat tests need one. */
export interface ChatUser extends KeyHolder {
  user: TestUser;
  token: string;
  phone: string;
  snils: string;
  /** The certificate of this session. */
  cid: number;
  name: string;
}

let sequence = 0;

/** Issues a certificate, logs in and confirms a fresh phone; distinct SNILS make distinct profiles. */
export async function chatUser(server: ApiServer, name = "Иванов Иван Иванович"): Promise<ChatUser> {
  sequence += 1;
  const serial = String(process.pid % 100_000).padStart(5, "0") + String(sequence).padStart(6, "0");
  const user = await issueUser(server, { name, snils: serial });
  const token = await logIn(server, user);
  // Tests that hard-code a phone use 7978…: never one of these.
  const phone = `7977${serial.slice(-7)}`;
  await registerPhone(server, token, phone);
  return { user, token, phone, snils: serial, name, ...(await profileOf(server, token)) };
}

/** The profile's pid, certificates and session certificate. */
export async function profileOf(server: ApiServer, token: string): Promise<KeyHolder & { cid: number }> {
  const reply = await server.post("/api/profile/", { token });
  if (!reply.body.success) throw new Error(`profile failed: ${reply.body.error}`);
  const data = reply.body.data as { pid: number; cid: number; certificates: CertificateRef[] };
  return { pid: data.pid, cid: data.cid, certificates: data.certificates };
}

/** Posts and returns `data`, failing loudly on an error envelope. */
export async function call<T>(server: ApiServer, path: string, body: Record<string, unknown>): Promise<T> {
  const reply = await server.post(path, body);
  if (reply.status !== 200 || !reply.body.success)
    throw new Error(`${path} failed: ${reply.status} ${reply.body.error}`);
  return reply.body.data as T;
}

/** The settings the chat tests run with: many logins and registrations from one loopback address. */
export const chatServerEnv = { CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "100000", CERTCHAT_AUTH_RATE: "100000/1s" };
