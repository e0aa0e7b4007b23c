/**
 * The high-level client: log in, find or create chats with keys for every member certificate, send signed and
 * encrypted texts and files, and read history decrypted, with every message's signature checked against its
 * sender's certificate. Formats: docs/CRYPTO.md. Nothing is shown as trusted without a check that passed.
 */

import type { TrustInput } from "../pki/trust.ts";
import { decodeBase64, encodeBase64 } from "../protocol/base64.ts";
import { normalizePhone } from "../protocol/phone.ts";
import { ChatType, type Contact } from "../protocol/schemas/chats.ts";
import type { ProfileData } from "../protocol/schemas/identity.ts";
import {
  HISTORY_PAGE_SIZE,
  type LocalId,
  type Message,
  type SendMessageRequest,
} from "../protocol/schemas/messages.ts";
import { CertchatApi, CertchatApiError, type WithoutToken } from "./api.ts";
import { onlyOf } from "./catch-up.ts";
import { CertificateDirectory } from "./certificate-directory.ts";
import { CertificateTrust, type ClientTrustSetting } from "./certificate-trust.ts";
import { type ChatBindings, chatBindings, isPairCertificate } from "./chat-binding.ts";
import { ChatBindingsBook } from "./chat-bindings-book.ts";
import { planChatCreation } from "./chat-creation.ts";
import { ChatKeyring, type HeldKey, type WrappedKeyRow } from "./chat-keyring.ts";
import { signCommitment } from "./crypto/epoch-commitment.ts";
import { type ChatKey, decryptContent, encryptContent, wrapChatKeyFor } from "./crypto/index.ts";
import { signKeyRow } from "./crypto/key-row-signature.ts";
import type { IdentityPins } from "./identity-pins.ts";
import { type ChatWaitList, KeyFulfiller } from "./key-fulfilment.ts";
import { Membership } from "./membership.ts";
import { describePairPeer, type PairPeer } from "./pair-peer.ts";
import type { Signer } from "./signing.ts";
import { CertchatSocket } from "./socket.ts";
import type { SignatureStatus, SignatureVerifier } from "./verification.ts";
import { yieldToEventLoop } from "./yield-to-event-loop.ts";

export interface LoginOptions {
  server: string;
  signer: Signer;
  verifier: SignatureVerifier;
  /**
   * The CA certificates (and CRLs) members' certificates must chain to: keys are wrapped for, and taken
   * from, only such certificates of the profiles they belong to (docs/CRYPTO.md "Trusting certificates").
   */
  trust?: TrustInput;
  /**
   * Without `trust`: take every certificate the server lists as its profile's (tests, development). With
   * neither, the session reads and creates chats but wraps no key for a certificate it was not given by its
   * user: no wait-list fulfilment, no add, remove or rotation (they throw).
   */
  trustServerCertificates?: boolean;
  /**
   * Profiles' identities kept between sessions (with `trust`): earlier sessions' evidence stands against what the
   * server lists now, and this session's is kept (docs/SDK.md "Identity pins").
   */
  pins?: IdentityPins;
  /** The phone to register when the profile has none confirmed yet. */
  phone?: string;
  /** Asked for the SMS code sent to `phone`. */
  askCode?: (phone: string) => Promise<string>;
  /** Serve the chats' wait lists once after logging in (default true; docs/CRYPTO.md "Key epochs"). */
  fulfil?: boolean;
  /**
   * A failed fulfilment at login (network, a refusal): the login itself stands, and the next login or
   * `listen` serves the wait lists again. Ignored unless given.
   */
  onFulfilError?: (error: unknown) => void;
}

export interface ListenOptions {
  /** Subscribe to chats the user is added to, drop those it is removed from (default: true for "all"). */
  follow?: boolean;
  /** Serve wait lists pushed while listening, and rotate when a leave made it due (default true). */
  fulfil?: boolean;
  /**
   * A background fulfilment or rotation that failed, or a chat's catch-up after a reconnect that gave up (the
   * chat's messages wait for the next reconnect or `socket.catchUp(chat)`); they never throw into the listener.
   */
  onError?: (error: unknown) => void;
}

/** A message as the reader sees it: plaintext (when it could be decrypted) and the signature's verdict. */
/** How long reading a page may run before it lets the event loop in (well under a 16 ms frame). */
const READ_SLICE_MS = 8;

export interface ReadMessage {
  readonly message: Message;
  /** The text, or for a file message its name; null when it could not be decrypted. */
  readonly text: string | null;
  readonly signature: SignatureStatus;
  /** Why the signature is not "verified". */
  readonly problem?: string;
  /** The epoch whose key decrypted it (for a v1 sender it may differ from `message.keyId`, D7). */
  readonly keyId?: number;
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
/** A server before issue 13 sends no epochs: everything there is epoch 1. */
const FIRST_EPOCH = 1;

/** Re-encrypting under a newer epoch after ChatKeyOutdated: a few rotations in a row are possible, not many. */
const MAX_SEND_ATTEMPTS = 4;

export class Messenger {
  private readonly directory = new CertificateDirectory();
  /** The chats' current key rows as the last `contacts` gave them (saves a `keys` call for the current epoch). */
  private readonly contactRows = new Map<string, WrappedKeyRow>();
  /** Chats whose due rotation (after a leave) this client is waiting its turn for. */
  private readonly dueRotations = new Set<string>();
  private ownProfile?: ProfileData;
  /** What each chat's keys are bound to, from its type, name and contact as `contacts` first gave them. */
  private readonly bindings: ChatBindingsBook;
  /** Which certificates keys are wrapped for and taken from. */
  readonly trust: CertificateTrust;
  /** Per-epoch chat keys (docs/CRYPTO.md "Key epochs"). */
  readonly keyring: ChatKeyring;
  /** Members, roles, rotation (docs/SDK.md). */
  readonly membership: Membership;

  constructor(
    readonly api: CertchatApi,
    readonly signer: Signer,
    private readonly verifier: SignatureVerifier,
    trust: ClientTrustSetting = { none: true },
    pins?: IdentityPins,
  ) {
    this.trust = new CertificateTrust(trust, pins);
    this.bindings = new ChatBindingsBook({
      trust: this.trust,
      ownCertificate: signer.certificate,
      ownPid: async () => (await this.profile()).pid,
      learnMembers: (chatId) => this.learnMembers(chatId),
      // Like the identities, only with anchors (without, no certificate is checked: nothing to hold to).
      ...(pins && this.trust.anchored ? { pins } : {}),
    });
    const ownCid = async () => (await this.profile()).cid;
    this.keyring = new ChatKeyring({
      ownKey: signer.ownKey,
      ownCid,
      verifier,
      fetchRows: (chatId, keyIds) => this.fetchKeyRows(chatId, keyIds),
      trust: this.trust,
      bindings: (chatId) => this.bindingsOf(chatId),
      learnMembers: (chatId) => this.learnMembers(chatId),
      refuseRows: (chatId, keyIds) => this.refuseKeyRows(chatId, keyIds),
    });
    this.membership = new Membership({
      api,
      keyring: this.keyring,
      signer,
      ownPid: async () => (await this.profile()).pid,
      resolvePhones: (phones) => this.requireContacts(phones),
      trust: this.trust,
      bindings: (chatId) => this.bindingsOf(chatId),
    });
  }

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
    const messenger = new Messenger(api, signer, options.verifier, trustSetting(options), options.pins);
    if (options.fulfil ?? true)
      await messenger.fulfilWaitLists().catch((error: unknown) => options.onFulfilError?.(error));
    return messenger;
  }

  /**
   * Serves every wait list of the caller's chats that this session can (docs/CRYPTO.md "Key epochs"): wraps
   * the listed epochs it holds for each waiting certificate, signs and posts them. Returns the rows posted.
   */
  async fulfilWaitLists(chats?: readonly Contact[]): Promise<number> {
    return this.keyFulfiller().fulfil(waitListsOf(chats ?? (await this.chats())));
  }

  /**
   * Why this session's own certificate does not count under its own trust anchors (CertificateTrust.chainProblem),
   * or undefined when it does or nothing is checked: clients configured alike send it no keys and show its messages
   * as `unknown` — most often a certificate with a SNILS whose CA is not marked qualified (DECISIONS §30).
   */
  async ownCertificateProblem(): Promise<string | undefined> {
    return this.trust.chainProblem(this.signer.certificate);
  }

  async profile(): Promise<ProfileData> {
    if (!this.ownProfile) {
      const profile = await this.api.profile();
      // Our own identity is the signer's certificate's, whatever the server lists.
      await this.trust.vouch(profile.pid, this.signer.certificate);
      if (await this.trust.contradicts(profile.pid, this.signer.certificate))
        throw new Error(
          `the server gives this session profile ${profile.pid}, which this client knows as another person's (if it is yours now: Messenger.forgetIdentity, \`certchat pins forget ${profile.pid}\`)`,
        );
      this.ownProfile = profile;
      this.directory.add(profile);
    }
    return this.ownProfile;
  }

  /**
   * Forgets whose certificate profile `pid` is, in this session and in its pins: the profile's next listed
   * certificate is taken afresh. For a change the user accepted (the person re-registered; the phone changed
   * hands) after a look-up or a personal chat refused the profile's new certificate. Chats this session already
   * bound keep their binding: open a new session.
   */
  forgetIdentity(pid: number): Promise<void> {
    return this.trust.forget(pid);
  }

  /** The caller's chats, most recent first; their current epochs and key rows are noted. */
  async chats(): Promise<Contact[]> {
    const chats = await this.api.contacts();
    for (const chat of chats) {
      this.directory.add(chat);
      if (!chat.chatId) continue;
      await this.bindings.note(chat.chatId, chat);
      if (chat.keyId) this.keyring.setCurrent(chat.chatId, chat.keyId);
      if (chat.key) this.contactRows.set(chat.chatId, { ...chat.key, keyId: chat.key.keyId ?? FIRST_EPOCH });
    }
    return chats;
  }

  /** The registered profiles holding these phones; their certificates become known for verification. */
  async lookUp(phones: readonly string[]): Promise<Contact[]> {
    if (phones.length === 0) return [];
    const found = await this.api.contacts(phones);
    for (const contact of found) {
      this.directory.add(contact);
      // The user named these phones: their holders' identities are taken (first contact).
      for (const { cert } of contact.certificates) {
        const der = decodeBase64(cert);
        if (der) await this.trust.vouch(contact.pid, der);
      }
      await this.bindings.refuseContradiction(contact);
    }
    return found;
  }

  /** The personal chat with the holder of `phone`, created (with keys for both sides) if there is none. */
  async chatWith(phone: string): Promise<Contact> {
    const [contact] = await this.requireContacts([phone]);
    if (!contact) throw new Error(`no registered profile holds ${phone}`);
    if (!contact.chatId) return this.createChat(ChatType.personal, null, [contact]);
    // What is sent there is bound to this pair (sendingKey): the server cannot pass off another chat as it.
    if (contact.chatType !== ChatType.personal)
      throw new Error(
        `the server gives a chat of type ${contact.chatType} as the personal chat with ${phone}`,
      );
    await this.bindings.note(contact.chatId, contact);
    return contact;
  }

  /**
   * Who personal chat `chat`'s keys are bound to (pair-peer.ts): the peer's certificate identity and subject, from
   * the certificate the pair binding used (never the profile's name or phone, the server's word), and the safety
   * code both members compare out of band. A group or channel, or a peer no certificate names, gives an
   * `UnboundPeer` saying which; a chat that is not among the caller's chats throws.
   */
  async pairPeer(chat: string): Promise<PairPeer> {
    if (!this.bindings.knows(chat)) await this.chats();
    const evidence = await this.bindings.peerOf(chat);
    if (evidence === undefined) throw new Error(`chat ${chat} is not among this profile's chats`);
    return describePairPeer(evidence, this.trust);
  }

  /** A group (or channel) named `name` with the holders of `phones`; the caller owns it. */
  async createGroup(name: string, phones: readonly string[], channel = false): Promise<Contact> {
    const members = await this.requireContacts(phones);
    return this.createChat(channel ? ChatType.channel : ChatType.group, name, members);
  }

  /** Sends under the current epoch; a rotation in between (ChatKeyOutdated) re-encrypts and resends. */
  async sendText(chat: string, text: string, localId?: LocalId): Promise<Message> {
    return this.sendUnderCurrentKey(async () => ({
      ...(await this.prepareText(chat, text)),
      ...(localId === undefined ? {} : { localId }),
    }));
  }

  /**
   * The sendMessage payload of a text: ciphertext under the current epoch's key (and its `keyId`), signature
   * over the plaintext. A sender of its own (e.g. the socket) that gets ChatKeyOutdated calls refreshKeys and
   * prepares again.
   */
  async prepareText(chat: string, text: string): Promise<WithoutToken<SendMessageRequest>> {
    const plaintext = utf8.encode(text);
    const { chatKey, keyId } = await this.sendingKey(chat);
    const profile = await this.profile();
    return {
      chat,
      text: encodeBase64(await encryptContent(chatKey, plaintext)),
      sign: encodeBase64(await this.signer.sign(plaintext)),
      cid: profile.cid,
      ...(keyId === undefined ? {} : { keyId }),
    };
  }

  /** Re-reads the chats' current epochs (after ChatKeyOutdated). */
  async refreshKeys(): Promise<void> {
    await this.chats();
  }

  /**
   * A file message: `data` is the encrypted file and `cms` its detached signature; `text` carries the file's
   * name, encrypted and signed like a text, so history can show and check it without the download.
   */
  async sendFile(chat: string, file: FileToSend, progress?: UploadProgress): Promise<Message> {
    const profile = await this.profile();
    const name = utf8.encode(file.name);
    const size = file.content.length;
    const cms = encodeBase64(await this.signer.cms(file.content));
    const sign = encodeBase64(await this.signer.sign(name));
    const sent = await this.sendUnderCurrentKey(async () => {
      const { chatKey, keyId } = await this.sendingKey(chat);
      progress?.("encrypt", 0, size);
      const data = encodeBase64(await encryptContent(chatKey, file.content));
      progress?.("encrypt", size, size);
      progress?.("upload", 0, size);
      return {
        chat,
        type: file.type ?? "file",
        text: encodeBase64(await encryptContent(chatKey, name)),
        sign,
        data,
        cms,
        cid: profile.cid,
        ...(keyId === undefined ? {} : { keyId }),
      };
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
    // Another chat's messages would read (with that chat's key) and show as this chat's.
    onlyOf(chat, page);
    const read: ReadMessage[] = [];
    let sliceStart = performance.now();
    for (const message of page) {
      // A page's decryption and signature checks in slices of a few ms: they must not block rendering.
      if (performance.now() - sliceStart > READ_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      read.push(await this.read(message));
    }
    return read;
  }

  /**
   * Decrypts one message with its epoch's key and checks its signature against the sender's certificate. When
   * that fails, the other epochs held are tried (a v1 sender may still use the previous epoch's key while the
   * server labels its message with the current one, D7); the epoch whose result verifies is kept.
   */
  async read(message: Message): Promise<ReadMessage> {
    const labelled = message.keyId ?? FIRST_EPOCH;
    let first: ReadMessage;
    try {
      first = await this.readWith(message, await this.keyring.require(message.chat, labelled));
    } catch (error) {
      first = { message, text: null, signature: "invalid", problem: `cannot decrypt: ${errorText(error)}` };
    }
    if (first.signature !== "invalid") return first;
    await this.keyring.fetch(message.chat).catch(() => {});
    for (const other of this.keyring.allHeld(message.chat)) {
      if (other.keyId === labelled) continue;
      const attempt = await this.readWith(message, other).catch(() => undefined);
      if (attempt?.signature === "verified") return attempt;
    }
    return first;
  }

  private async readWith(message: Message, held: HeldKey): Promise<ReadMessage> {
    let plaintext: Uint8Array;
    try {
      plaintext = await decryptContent(held.chatKey, decodeBase64Strict(message.data));
    } catch (error) {
      return { message, text: null, signature: "invalid", problem: `cannot decrypt: ${errorText(error)}` };
    }
    const text = new TextDecoder().decode(plaintext);
    const verdict = await this.check(message, (certificate) => {
      const sign = message.sign === null ? undefined : decodeBase64(message.sign);
      if (!sign || sign.length === 0) return Promise.resolve(false);
      return this.verifier.raw(certificate, plaintext, sign);
    });
    return { message, text, keyId: held.keyId, ...verdict };
  }

  /** Downloads, decrypts and checks a file's CMS signature; `file` is the message's file id. */
  async downloadFile(chat: string, file: string, progress?: DownloadProgress): Promise<DownloadedFile> {
    const message = await this.findFileMessage(chat, file);
    const download = await this.api.downloadFile(chat, file);
    const ciphertext = await readAll(download.body, (done) => progress?.("download", done, download.size));
    // The file is under the epoch that decrypted its (signed) name.
    const { text: name, keyId } = await this.read(message);
    const held = await this.keyring.require(chat, keyId ?? message.keyId ?? FIRST_EPOCH);
    progress?.("decrypt", 0, ciphertext.length);
    const content = await decryptContent(held.chatKey, ciphertext);
    progress?.("decrypt", ciphertext.length, ciphertext.length);
    const verdict = await this.check(message, (certificate) => {
      const cms = message.cms === null ? undefined : decodeBase64(message.cms);
      if (!cms || cms.length === 0) return Promise.resolve(false);
      return this.verifier.cms(certificate, content, cms);
    });
    return { content, name, ...verdict };
  }

  /**
   * Live messages over the socket, read (decrypted and checked) in arrival order: of the given chats, or of
   * all the caller's chats. With `follow` (the default for "all") chats the user is added to are subscribed
   * and caught up from their first visible message, and chats it is removed from are dropped with their keys.
   * While the socket is open, wait lists pushed by the server are served and due rotations made (`fulfil`).
   */
  async listen(
    chats: readonly string[] | "all",
    onMessage: (read: ReadMessage) => void,
    options: ListenOptions = {},
  ): Promise<CertchatSocket> {
    if (!this.api.token) throw new Error("not logged in");
    const follow = options.follow ?? chats === "all";
    const fulfil = options.fulfil ?? true;
    const onError = options.onError ?? (() => {});
    const socket = new CertchatSocket({ server: this.api.server, token: this.api.token });
    let queue = Promise.resolve();
    const enqueue = (work: () => Promise<void>) => {
      queue = queue.then(work).catch(onError);
    };
    socket.onMessage((message) => enqueue(async () => onMessage(await this.read(message))));
    const fulfiller = this.keyFulfiller(onError);
    socket.onClose(() => fulfiller.stop());
    // A chat whose catch-up gave up delivers nothing more until a later one succeeds: the caller must know.
    socket.onCatchUpFailure((failure) => {
      if (!failure.retrying) onError(failure.error);
    });
    socket.on("chatKeysAdded", (event) => this.keyring.setCurrent(event.chatId, event.keyId));
    socket.on("chatChanged", (event) => {
      this.keyring.setCurrent(event.chatId, event.keyId);
      if (fulfil && event.rotationDue && !this.dueRotations.has(event.chatId)) {
        this.dueRotations.add(event.chatId);
        this.membership
          .rotateWhenDue(event.chatId, sleep)
          .catch(onError)
          .finally(() => this.dueRotations.delete(event.chatId));
      }
    });
    socket.on("chatWaitList", (event) => {
      this.keyring.setCurrent(event.chatId, event.keyId);
      if (fulfil) fulfiller.schedule(event);
    });
    if (follow) {
      socket.on("chatAdded", (event) =>
        enqueue(async () => {
          this.keyring.setCurrent(event.chatId, event.keyId);
          // The new chat's members: their certificates verify its messages.
          await this.chats();
          if (!socket.isSubscribed(event.chatId)) await socket.subscribe(event.chatId, 0);
        }),
      );
      socket.on("chatRemoved", (event) =>
        enqueue(async () => {
          await socket.unsubscribe(event.chatId);
          this.keyring.drop(event.chatId);
          this.contactRows.delete(event.chatId);
        }),
      );
    }
    await socket.connect();
    let chatIds: readonly string[];
    if (chats === "all") {
      const list = await this.chats();
      chatIds = list.flatMap((contact) => (contact.chatId ? [contact.chatId] : []));
      if (fulfil) await fulfiller.fulfil(waitListsOf(list)).catch(onError);
    } else chatIds = chats;
    for (const chat of chatIds) await socket.subscribe(chat);
    return socket;
  }

  /** The current epoch's key and its `keyId` (undefined from a server before issue 13: nothing to send). */
  private async currentKey(
    chat: string,
  ): Promise<{ chatKey: ChatKey; keyId: number | undefined; held: HeldKey }> {
    if (this.keyring.current(chat) === undefined && !this.contactRows.has(chat)) await this.chats();
    const keyId = this.keyring.current(chat);
    const held = await this.keyring.require(chat, keyId ?? FIRST_EPOCH);
    return { chatKey: held.chatKey, keyId, held };
  }

  /**
   * The current key, to send under. A personal chat's must be committed to its two members (docs/CRYPTO.md
   * "Binding a personal chat to its two members"): one bound only to the chat's type and name, or to nothing (v1
   * clients' chats, a commitment the server left out), may be another chat's key — the creator's own row is alike
   * in all its personal chats, so the server could serve its chat with Mallory as its chat with Alice. Such an
   * epoch is rotated first (a new key, committed to the pair, for every certificate holding the current one);
   * when this session cannot give the new key to all of them, nothing is sent. Without anything to wrap with
   * (`trust` none) whose key is whose is the server's word: sent as it is.
   */
  private async sendingKey(chat: string): Promise<{ chatKey: ChatKey; keyId: number | undefined }> {
    const current = await this.currentKey(chat);
    if (!(await this.unboundToPair(chat, current.held))) return current;
    // The epoch the member list names: the peer may have bound one since this session last heard.
    const rotated = await this.membership.rotateIfServingAll(chat, async ({ keyId }) => {
      this.keyring.setCurrent(chat, keyId);
      return this.unboundToPair(chat, await this.keyring.require(chat, keyId));
    });
    const now = await this.currentKey(chat);
    if (!(await this.unboundToPair(chat, now.held))) return now;
    throw new Error(
      rotated
        ? `the server does not take personal chat ${chat}'s new key: not sent`
        : `the key of personal chat ${chat} is not bound to its two members and this session cannot give a new one to every certificate holding it: not sent`,
    );
  }

  private async unboundToPair(chat: string, held: HeldKey): Promise<boolean> {
    if (!this.trust.canWrap) return false;
    const bindings = await this.bindingsOf(chat);
    // Not listed, its type unknown: whether it must be bound cannot be told.
    if (!bindings) throw new Error(`chat ${chat} is not among this profile's chats: not sent`);
    return bindings.pair !== undefined && (held.committedTo !== "pair" || !held.committerCurrent);
  }

  /** Builds and sends; on ChatKeyOutdated the epochs are re-read and the message is built again. */
  private async sendUnderCurrentKey(
    build: () => Promise<WithoutToken<SendMessageRequest>>,
  ): Promise<Message> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.api.sendMessage(await build());
      } catch (error) {
        if (
          !(error instanceof CertchatApiError && error.code === "ChatKeyOutdated") ||
          attempt >= MAX_SEND_ATTEMPTS
        )
          throw error;
        await this.refreshKeys();
      }
    }
  }

  /**
   * Key rows for the keyring: the chat list's row when it is the epoch asked for (re-read when the chat is not
   * listed yet or the epoch asked is newer: a server before issue 13 has nothing else), otherwise `keys`.
   */
  private async refuseKeyRows(chatId: string, keyIds: readonly number[]): Promise<void> {
    await this.api.call("refuseKeys", { chat: chatId, keyIds: [...keyIds] });
    // The chat list's row of that epoch is the one just refused.
    const row = this.contactRows.get(chatId);
    if (row && keyIds.includes(row.keyId)) this.contactRows.delete(chatId);
  }

  private async fetchKeyRows(chatId: string, keyIds?: readonly number[]): Promise<WrappedKeyRow[]> {
    const only = keyIds?.length === 1 ? keyIds[0] : undefined;
    const listed = () => {
      const row = this.contactRows.get(chatId);
      return row && row.keyId === only ? [row] : undefined;
    };
    if (only !== undefined && !listed() && only >= (this.contactRows.get(chatId)?.keyId ?? only))
      await this.chats();
    return listed() ?? this.api.call("keys", { chat: chatId, ...(keyIds ? { keyIds: [...keyIds] } : {}) });
  }

  /** What the chat's keys may be signed over (chat-bindings-book.ts), its chats listed first if it is not known. */
  private async bindingsOf(chatId: string): Promise<ChatBindings | undefined> {
    if (!this.bindings.knows(chatId)) await this.chats();
    return this.bindings.of(chatId);
  }

  /** The identities of the chat's members that hold a key (a server before issue 13 has no member list). */
  private async learnMembers(chatId: string): Promise<void> {
    await this.membership.learn(chatId).catch(() => undefined);
  }

  /**
   * A fulfiller of this session's wait lists (fulfilWaitLists, listen), for clients that schedule the socket's
   * `chatWaitList` events themselves (the web page): it serves only whom this session would.
   */
  keyFulfiller(onError?: (error: unknown) => void): KeyFulfiller {
    return new KeyFulfiller({
      api: this.api,
      keyring: this.keyring,
      signer: this.signer,
      ownCid: async () => (await this.profile()).cid,
      ownPid: async () => (await this.profile()).pid,
      trust: this.trust,
      learnMembers: (chatId) => this.learnMembers(chatId),
      bindings: (chatId) => this.bindingsOf(chatId),
      ...(onError ? { onError } : {}),
    });
  }

  private async createChat(
    type: (typeof ChatType)[keyof typeof ChatType],
    name: string | null,
    members: readonly Contact[],
  ): Promise<Contact> {
    const own = await this.profile();
    const holders = [own, ...members];
    const listed = holders.flatMap((holder) =>
      holder.certificates.map((certificate) => ({
        pid: holder.pid,
        cid: certificate.id,
        der: decodeBase64Strict(certificate.cert),
      })),
    );
    // Without anchors these are the server's word for the phones the user named (docs/CRYPTO.md).
    const certificates = [];
    for (const certificate of listed) {
      const problem = this.trust.anchored
        ? await this.trust.recipientProblem(certificate.pid, certificate.der)
        : undefined;
      if (problem === undefined) certificates.push(certificate);
    }
    const reached = new Set(certificates.map(({ pid }) => pid));
    const unreached = holders.filter((holder) => !reached.has(holder.pid));
    if (unreached.length > 0)
      throw new Error(
        `no certificate of profile ${unreached.map((holder) => holder.pid).join(", ")} chains to a trust anchor`,
      );
    // The name as the server stores it (trimmed, empty as none): members check the binding over that one.
    const chatName = name?.trim() || null;
    const peer = type === ChatType.personal ? members[0] : undefined;
    const bindings = chatBindings(
      { chatType: type, chatName },
      this.bindings.ownMember(own.pid),
      peer ? await this.bindings.pairMember(peer) : this.bindings.ownMember(own.pid),
    );
    // Its key goes to the pair's certificates only, as in a rotation and a wait list's: without anchors nothing above
    // checked that a listed certificate is of the person the binding (and the safety code) names.
    const { pair } = bindings;
    let stranger: (typeof certificates)[number] | undefined;
    if (pair)
      for (const certificate of certificates)
        if (!(await isPairCertificate(pair, certificate.der, this.trust))) {
          stranger = certificate;
          break;
        }
    if (stranger)
      throw new Error(
        `the server lists under profile ${stranger.pid} a certificate of neither member of the personal chat: not created`,
      );
    // The chat has no id yet: a personal chat's rows bind its two members, a group's its type and name.
    const binding = pair?.binding ?? bindings.creation;
    // Certificates this session cannot wrap for get no row and wait; a member left with none throws here.
    const { chatKey, recipients } = planChatCreation(
      holders.map((holder) => holder.pid),
      certificates,
      this.signer,
    );
    const senderKey = this.signer.ownKey.kind === "gost" ? this.signer.ownKey : undefined;
    const keys = [];
    for (const { pid, cid, der } of recipients) {
      const wrappedKey = await wrapChatKeyFor({
        chatKey,
        recipientCertificate: der,
        ...(senderKey ? { senderKey } : {}),
      });
      const sign = await signKeyRow(this.signer, {
        chatId: binding,
        keyId: FIRST_EPOCH,
        cid,
        wrappedKey,
      });
      keys.push({ pid, cid, key: encodeBase64(wrappedKey), sign });
    }
    // Bound like the rows: the chat has no id yet (docs/CRYPTO.md "Epoch key commitments").
    const commitment = await signCommitment(this.signer, { binding, keyId: FIRST_EPOCH }, chatKey);
    const created = await this.api.createChat({
      type,
      ...(chatName === null ? {} : { name: chatName }),
      keys,
      commitment,
    });
    // Unwrapped from the answer, not taken from memory: a personal chat that already existed keeps its key.
    // A personal chat answered as another pair's (one the session knows, or not the peer asked for) throws.
    if (peer && created.chatId && created.pid !== peer.pid)
      throw new Error(
        `the server answers createChat with peer ${peer.pid} by a chat with profile ${created.pid}`,
      );
    if (created.chatId) await this.bindings.note(created.chatId, created);
    if (created.chatId && created.key) {
      if (created.keyId) this.keyring.setCurrent(created.chatId, created.keyId);
      const row = { ...created.key, keyId: created.key.keyId ?? FIRST_EPOCH };
      this.contactRows.set(created.chatId, row);
      await this.keyring.add(created.chatId, row);
    }
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
    if (!known) {
      // A group member who is neither the owner nor a personal contact: the member list names its certificates.
      // A server before issue 13 has no member list; a removed member's certificate is not in it.
      const members = await this.membership.members(message.chat).catch(() => undefined);
      for (const member of members?.members ?? []) this.directory.add(member);
      known = this.directory.find(message.cid);
    }
    if (!known)
      return { signature: "unknown-certificate", problem: `certificate ${message.cid} is not known` };
    if (known.pid !== message.pid) {
      return { signature: "invalid", problem: `certificate ${message.cid} is not of profile ${message.pid}` };
    }
    // Which certificate is whose is the server's word: the sender's must chain and carry its profile's identity.
    const distrusted = await this.trust.senderProblem(message.pid, known.der, new Date(message.time * 1000));
    if (distrusted)
      return {
        signature: distrusted.unknown ? "unknown-certificate" : "invalid",
        problem: `certificate ${message.cid}: ${distrusted.problem}`,
      };
    let valid: boolean;
    try {
      valid = await verify(known.der);
    } catch (error) {
      return { signature: "invalid", problem: `verification failed: ${errorText(error)}` };
    }
    if (!valid) return { signature: "invalid", problem: "the signature does not verify" };
    // A sender seen signing: its identity is its profile's from now on (when its certificate chains).
    await this.trust.vouch(message.pid, known.der);
    return { signature: "verified" };
  }

  private async findFileMessage(chat: string, file: string): Promise<Message> {
    let before: number | undefined;
    for (;;) {
      const page = await this.api.messages({
        chat,
        type: "file",
        ...(before === undefined ? {} : { id: before, rel: "prev" as const }),
      });
      onlyOf(chat, page);
      const found = page.find((message) => message.file === file);
      if (found) return found;
      if (page.length < HISTORY_PAGE_SIZE || !page[0]) throw new Error(`no file ${file} in chat ${chat}`);
      // Each page must start before the last one: a page served again (or later ids) would be asked for forever.
      if (before !== undefined && !(page[0].id < before))
        throw new Error(`the page of chat ${chat} before ${before} does not start before it`);
      before = page[0].id;
    }
  }
}

function trustSetting(options: LoginOptions): ClientTrustSetting {
  if (options.trust) return { anchors: options.trust };
  return options.trustServerCertificates ? { serverCertificates: true } : { none: true };
}

function waitListsOf(chats: readonly Contact[]): ChatWaitList[] {
  return chats.flatMap((chat) =>
    chat.chatId && chat.waitList ? [{ chatId: chat.chatId, waitList: chat.waitList }] : [],
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
