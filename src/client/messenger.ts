/**
 * The high-level client: log in, find or create chats with keys for every member certificate, send signed and
 * encrypted texts and files, and read history decrypted, with every message's signature checked against its
 * sender's certificate. Formats: docs/CRYPTO.md. Nothing is shown as trusted without a check that passed.
 */
import { decodeBase64, encodeBase64 } from "../protocol/base64.ts";
import { normalizePhone } from "../protocol/phone.ts";
import { ChatType, type Contact, type ContactKey } from "../protocol/schemas/chats.ts";
import type { ProfileData } from "../protocol/schemas/identity.ts";
import {
  HISTORY_PAGE_SIZE,
  type LocalId,
  type Message,
  type SendMessageRequest,
} from "../protocol/schemas/messages.ts";
import { CertchatApi, type WithoutToken } from "./api.ts";
import { CertificateDirectory } from "./certificate-directory.ts";
import {
  type ChatKey,
  certificatePublicKey,
  chooseScheme,
  decryptContent,
  encryptContent,
  generateChatKey,
  unwrapChatKey,
  wrapChatKeyFor,
} from "./crypto/index.ts";
import type { Signer } from "./signing.ts";
import { CertchatSocket } from "./socket.ts";
import type { SignatureStatus, SignatureVerifier } from "./verification.ts";

export interface LoginOptions {
  server: string;
  signer: Signer;
  verifier: SignatureVerifier;
  /** The phone to register when the profile has none confirmed yet. */
  phone?: string;
  /** Asked for the SMS code sent to `phone`. */
  askCode?: (phone: string) => Promise<string>;
}

/** A message as the reader sees it: plaintext (when it could be decrypted) and the signature's verdict. */
export interface ReadMessage {
  readonly message: Message;
  /** The text, or for a file message its name; null when it could not be decrypted. */
  readonly text: string | null;
  readonly signature: SignatureStatus;
  /** Why the signature is not "verified". */
  readonly problem?: string;
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  /** File messages only. */
  files?: boolean;
}

export interface FileToSend {
  readonly content: Uint8Array;
  readonly name: string;
  /** The message type, e.g. the file's extension; "file" by default. */
  readonly type?: string;
}

export interface DownloadedFile {
  readonly content: Uint8Array;
  readonly name: string | null;
  /** The verdict on the file's detached CMS signature. */
  readonly signature: SignatureStatus;
  readonly problem?: string;
}

export type DownloadProgress = (phase: "download" | "decrypt", done: number, total: number) => void;
/** fetch reports no upload progress: "upload" is reported at its start and at its end. */
export type UploadProgress = (phase: "encrypt" | "upload", done: number, total: number) => void;

const utf8 = new TextEncoder();

export class Messenger {
  private readonly directory = new CertificateDirectory();
  private readonly chatKeys = new Map<string, ChatKey>();
  private ownProfile?: ProfileData;

  constructor(
    readonly api: CertchatApi,
    readonly signer: Signer,
    private readonly verifier: SignatureVerifier,
  ) {}

  /**
   * auth → confirmAuth, then registryPhone → confirmPhone when the server asks for a phone: the profile has
   * none yet, or the certificate is new to its profile (a renewal: give the profile's own phone).
   */
  static async login(options: LoginOptions): Promise<Messenger> {
    const { signer } = options;
    const api = new CertchatApi(options.server);
    const { nonce } = await api.auth({
      cert: encodeBase64(signer.certificate),
      sign: encodeBase64(await signer.sign(signer.certificate)),
    });
    const { needRegisterPhone } = await api.confirmAuth(
      encodeBase64(await signer.sign(decodeBase64Strict(nonce))),
    );
    if (needRegisterPhone) {
      const { phone, askCode } = options;
      if (!phone || !askCode)
        throw new Error(
          "the server asks for an SMS code: the profile has no confirmed phone yet, or this certificate is new to it (give the profile's phone)",
        );
      const { id } = await api.registryPhone(phone);
      await api.confirmPhone(id, (await askCode(phone)).trim());
    }
    return new Messenger(api, signer, options.verifier);
  }

  async profile(): Promise<ProfileData> {
    if (!this.ownProfile) {
      this.ownProfile = await this.api.profile();
      this.directory.add(this.ownProfile);
    }
    return this.ownProfile;
  }

  /** The caller's chats, most recent first. */
  async chats(): Promise<Contact[]> {
    const chats = await this.api.contacts();
    for (const chat of chats) this.directory.add(chat);
    return chats;
  }

  /** The registered profiles holding these phones; their certificates become known for verification. */
  async lookUp(phones: readonly string[]): Promise<Contact[]> {
    if (phones.length === 0) return [];
    const found = await this.api.contacts(phones);
    for (const contact of found) this.directory.add(contact);
    return found;
  }

  /** The personal chat with the holder of `phone`, created (with keys for both sides) if there is none. */
  async chatWith(phone: string): Promise<Contact> {
    const [contact] = await this.requireContacts([phone]);
    if (!contact) throw new Error(`no registered profile holds ${phone}`);
    if (contact.chatId) return contact;
    return this.createChat(ChatType.personal, null, [contact]);
  }

  /** A group (or channel) named `name` with the holders of `phones`; the caller owns it. */
  async createGroup(name: string, phones: readonly string[], channel = false): Promise<Contact> {
    const members = await this.requireContacts(phones);
    return this.createChat(channel ? ChatType.channel : ChatType.group, name, members);
  }

  async sendText(chat: string, text: string, localId?: LocalId): Promise<Message> {
    return this.api.sendMessage({
      ...(await this.prepareText(chat, text)),
      ...(localId === undefined ? {} : { localId }),
    });
  }

  /** The sendMessage payload of a text: ciphertext under the chat key, signature over the plaintext. */
  async prepareText(chat: string, text: string): Promise<WithoutToken<SendMessageRequest>> {
    const plaintext = utf8.encode(text);
    const chatKey = await this.chatKey(chat);
    const profile = await this.profile();
    return {
      chat,
      text: encodeBase64(await encryptContent(chatKey, plaintext)),
      sign: encodeBase64(await this.signer.sign(plaintext)),
      cid: profile.cid,
    };
  }

  /**
   * A file message: `data` is the encrypted file and `cms` its detached signature; `text` carries the file's
   * name, encrypted and signed like a text, so history can show and check it without the download.
   */
  async sendFile(chat: string, file: FileToSend, progress?: UploadProgress): Promise<Message> {
    const chatKey = await this.chatKey(chat);
    const profile = await this.profile();
    const name = utf8.encode(file.name);
    const size = file.content.length;
    progress?.("encrypt", 0, size);
    const data = encodeBase64(await encryptContent(chatKey, file.content));
    const cms = encodeBase64(await this.signer.cms(file.content));
    progress?.("encrypt", size, size);
    progress?.("upload", 0, size);
    const sent = await this.api.sendMessage({
      chat,
      type: file.type ?? "file",
      text: encodeBase64(await encryptContent(chatKey, name)),
      sign: encodeBase64(await this.signer.sign(name)),
      data,
      cms,
      cid: profile.cid,
    });
    progress?.("upload", size, size);
    return sent;
  }

  /** A page of history (the latest, or before/after an id), decrypted and checked message by message. */
  async history(chat: string, query: HistoryQuery = {}): Promise<ReadMessage[]> {
    const anchor =
      query.before !== undefined
        ? { id: query.before, rel: "prev" as const }
        : query.after !== undefined
          ? { id: query.after, rel: "next" as const }
          : {};
    const page = await this.api.messages({ chat, ...anchor, ...(query.files ? { type: "file" } : {}) });
    const read: ReadMessage[] = [];
    for (const message of page) read.push(await this.read(message));
    return read;
  }

  /** Decrypts one message and checks its signature against the sender's certificate. */
  async read(message: Message): Promise<ReadMessage> {
    let plaintext: Uint8Array;
    try {
      plaintext = await this.decrypt(message.chat, message.data);
    } catch (error) {
      return { message, text: null, signature: "invalid", problem: `cannot decrypt: ${errorText(error)}` };
    }
    const text = new TextDecoder().decode(plaintext);
    const verdict = await this.check(message, (certificate) => {
      const sign = message.sign === null ? undefined : decodeBase64(message.sign);
      if (!sign || sign.length === 0) return Promise.resolve(false);
      return this.verifier.raw(certificate, plaintext, sign);
    });
    return { message, text, ...verdict };
  }

  /** Downloads, decrypts and checks a file's CMS signature; `file` is the message's file id. */
  async downloadFile(chat: string, file: string, progress?: DownloadProgress): Promise<DownloadedFile> {
    const message = await this.findFileMessage(chat, file);
    const download = await this.api.downloadFile(chat, file);
    const ciphertext = await readAll(download.body, (done) => progress?.("download", done, download.size));
    progress?.("decrypt", 0, ciphertext.length);
    const content = await this.decrypt(chat, ciphertext);
    progress?.("decrypt", ciphertext.length, ciphertext.length);
    const { text: name } = await this.read(message);
    const verdict = await this.check(message, (certificate) => {
      const cms = message.cms === null ? undefined : decodeBase64(message.cms);
      if (!cms || cms.length === 0) return Promise.resolve(false);
      return this.verifier.cms(certificate, content, cms);
    });
    return { content, name, ...verdict };
  }

  /** Live messages of `chats` over the socket, read (decrypted and checked) in arrival order. */
  async listen(chats: readonly string[], onMessage: (read: ReadMessage) => void): Promise<CertchatSocket> {
    if (!this.api.token) throw new Error("not logged in");
    const socket = new CertchatSocket({ server: this.api.server, token: this.api.token });
    let queue = Promise.resolve();
    socket.onMessage((message) => {
      queue = queue.then(async () => onMessage(await this.read(message)));
    });
    await socket.connect();
    for (const chat of chats) await socket.subscribe(chat);
    return socket;
  }

  /** The chat key of `chat`, unwrapped from the row the server keeps for this session's certificate. */
  async chatKey(chat: string): Promise<ChatKey> {
    const cached = this.chatKeys.get(chat);
    if (cached) return cached;
    const contact = (await this.chats()).find((candidate) => candidate.chatId === chat);
    if (!contact?.key)
      throw new Error(`no chat key for chat ${chat} (not a member, or none for this certificate)`);
    return this.unwrapKeyOf(chat, contact.key);
  }

  private async unwrapKeyOf(chat: string, row: ContactKey): Promise<ChatKey> {
    const chatKey = await unwrapChatKey({
      wrappedKey: decodeBase64Strict(row.key),
      ownKey: this.signer.ownKey,
      wrappingCertificate: decodeBase64Strict(row.cert),
    });
    this.chatKeys.set(chat, chatKey);
    return chatKey;
  }

  private async createChat(
    type: (typeof ChatType)[keyof typeof ChatType],
    name: string | null,
    members: readonly Contact[],
  ): Promise<Contact> {
    const holders = [await this.profile(), ...members];
    const certificates = holders.flatMap((holder) =>
      holder.certificates.map((certificate) => ({
        pid: holder.pid,
        cid: certificate.id,
        der: decodeBase64Strict(certificate.cert),
      })),
    );
    // The Android client's key blob holds only a GOST key: one GOST member makes the whole chat GOST.
    const anyGost = certificates.some(({ der }) =>
      chooseScheme(certificatePublicKey(der)).startsWith("gost"),
    );
    const chatKey = generateChatKey(anyGost ? "gost28147-cfb" : "aes-256-gcm");
    const senderKey = this.signer.ownKey.kind === "gost" ? this.signer.ownKey : undefined;
    const keys = [];
    for (const { pid, cid, der } of certificates) {
      const wrapped = await wrapChatKeyFor({
        chatKey,
        recipientCertificate: der,
        ...(senderKey ? { senderKey } : {}),
      });
      keys.push({ pid, cid, key: encodeBase64(wrapped) });
    }
    const created = await this.api.createChat({ type, ...(name === null ? {} : { name }), keys });
    // Unwrapped from the answer, not taken from memory: a personal chat that already existed keeps its key.
    if (created.chatId && created.key) await this.unwrapKeyOf(created.chatId, created.key);
    return created;
  }

  private async requireContacts(phones: readonly string[]): Promise<Contact[]> {
    const wanted = phones.map((phone) => {
      const normalized = normalizePhone(phone);
      if (!normalized) throw new Error(`not a phone number: ${phone}`);
      return normalized;
    });
    const found = await this.lookUp(wanted);
    const missing = wanted.filter((phone) => !found.some((contact) => contact.phone === phone));
    if (missing.length > 0) throw new Error(`no registered profile holds ${missing.join(", ")}`);
    return wanted.map((phone) => found.find((contact) => contact.phone === phone) as Contact);
  }

  private async decrypt(chat: string, base64OrBytes: string | Uint8Array): Promise<Uint8Array> {
    const ciphertext = typeof base64OrBytes === "string" ? decodeBase64Strict(base64OrBytes) : base64OrBytes;
    return decryptContent(await this.chatKey(chat), ciphertext);
  }

  /** The sender's certificate by `cid` (refreshing the chat list once), then the given check. */
  private async check(
    message: Message,
    verify: (certificate: Uint8Array) => Promise<boolean>,
  ): Promise<{ signature: SignatureStatus; problem?: string }> {
    await this.profile();
    let known = this.directory.find(message.cid);
    if (!known) {
      await this.chats();
      known = this.directory.find(message.cid);
    }
    if (!known)
      return { signature: "unknown-certificate", problem: `certificate ${message.cid} is not known` };
    if (known.pid !== message.pid) {
      return { signature: "invalid", problem: `certificate ${message.cid} is not of profile ${message.pid}` };
    }
    let valid: boolean;
    try {
      valid = await verify(known.der);
    } catch (error) {
      return { signature: "invalid", problem: `verification failed: ${errorText(error)}` };
    }
    return valid
      ? { signature: "verified" }
      : { signature: "invalid", problem: "the signature does not verify" };
  }

  private async findFileMessage(chat: string, file: string): Promise<Message> {
    let before: number | undefined;
    for (;;) {
      const page = await this.api.messages({
        chat,
        type: "file",
        ...(before === undefined ? {} : { id: before, rel: "prev" as const }),
      });
      const found = page.find((message) => message.file === file);
      if (found) return found;
      if (page.length < HISTORY_PAGE_SIZE || !page[0]) throw new Error(`no file ${file} in chat ${chat}`);
      before = page[0].id;
    }
  }
}

function decodeBase64Strict(text: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (!bytes) throw new Error("the server sent a value that is not base64");
  return bytes;
}

async function readAll(
  body: ReadableStream<Uint8Array>,
  progress: (done: number) => void,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(next.value);
    done += next.value.length;
    progress(done);
  }
  const all = new Uint8Array(done);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
