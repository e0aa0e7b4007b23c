/**
 * The messenger's state in the page: the chat list (most recent first, each with its last message decrypted
 * and checked, and an unread count), the open chat's history (pages of 50, older ones loaded on demand), the
 * live connection's state. Components read `state` and re-render on `subscribe`; every change replaces it.
 */

import { CertchatApiError } from "../../../src/client/api.ts";
import type { KeyFulfiller } from "../../../src/client/key-fulfilment.ts";
import type { HistoryChoice } from "../../../src/client/membership.ts";
import type { DownloadedFile, Messenger, ReadMessage } from "../../../src/client/messenger.ts";
import type { CatchUpFailure } from "../../../src/client/socket.ts";
import { decodeBase64 } from "../../../src/protocol/base64.ts";
import type { ErrorCode } from "../../../src/protocol/errors.ts";
import type { ChatRemovedEvent } from "../../../src/protocol/events.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { ProfileData } from "../../../src/protocol/schemas/identity.ts";
import type { ChatMembersData, ChatRole } from "../../../src/protocol/schemas/members.ts";
import { HISTORY_PAGE_SIZE, type Message } from "../../../src/protocol/schemas/messages.ts";
import { describeError, UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { type ConnectionState, LiveConnection } from "./live.ts";
import { ReadMarks } from "./read-marks.ts";

export interface ChatEntry {
  readonly contact: Contact;
  readonly chatId: string;
  readonly preview?: ReadMessage;
  /**
   * Pending: the chat's latest page is not read yet (no preview or unread count so far); failed: reading it
   * failed (a notice says why) and only messages after it will show.
   */
  readonly previewStatus?: "pending" | "failed";
  /** Messages from others after the last one read on this device (counted within the latest page of 50 at load). */
  readonly unread: number;
}

export interface OpenChat {
  readonly chatId: string;
  /** In id order. */
  readonly messages: readonly ReadMessage[];
  readonly loadingOlder: boolean;
  /** The first message of the chat is loaded. */
  readonly reachedStart: boolean;
}

/** A file on its way: encrypted and uploaded, or downloaded and decrypted. */
export interface Transfer {
  readonly id: string;
  readonly chatId: string;
  readonly direction: "upload" | "download";
  readonly name: string;
  readonly phase: "encrypt" | "upload" | "download" | "decrypt";
  readonly done: number;
  readonly total: number;
}

export interface MessengerState {
  readonly profile?: ProfileData;
  readonly chats: readonly ChatEntry[];
  readonly loaded: boolean;
  readonly open?: OpenChat;
  readonly connection: ConnectionState;
  readonly transfers: readonly Transfer[];
  /** Set when the server ended the session (expired, revoked): the page must log in again. */
  readonly ended?: ErrorCode;
  /** The members panel's chat and its last `chatMembers` answer (undefined while loading). */
  readonly members?: { readonly chatId: string; readonly data?: ChatMembersData };
  /** The personal chat whose peer panel is open (ui/peer.tsx: the certificate its keys are bound to, the code). */
  readonly peer?: string;
  /** A chat left the list (removed, or left on another device): why, until the next change of chat. */
  readonly removed?: {
    readonly chatId: string;
    readonly name: string;
    readonly reason: RemovalReason;
  };
  /** The last background failure (fulfilment, catch-up, a refresh after an event), as a sentence, until dismissed. */
  readonly notice?: { readonly id: number; readonly text: string };
}

/**
 * Why a chat left the list: its `chatRemoved` event's reason, or `unavailable` when the chat was simply missing
 * from a reloaded list (the event was sent while the page was offline, so which of the two is not known).
 */
export type RemovalReason = ChatRemovedEvent["reason"] | "unavailable";

// The open chat holds every message read since it was opened, from the latest back to the oldest page the
// reader scrolled to; the page renders only the rows near the view (ui/history-view.tsx). A window that dropped
// pages at the far end made the scrollbar lie and made the way back refetch, decrypt and verify every page
// again, the position jumping as they came; a read message is a few hundred bytes, so 10 000 of them are a
// few MB (docs/WEB.md "History in the page").

/** How many chats' last messages are fetched at once when the list loads. */
const PREVIEW_CONCURRENCY = 6;
/** Previews read within this long are shown together: one change of the list for several, not one each. */
const PREVIEW_BATCH_MS = 25;

/** A chat's latest page as read for the list (or failed), waiting to be shown. */
interface ReadPage {
  readonly page: readonly Message[];
  readonly last?: ReadMessage;
  readonly failed?: true;
}

export class MessengerStore {
  state: MessengerState = { chats: [], loaded: false, connection: "connecting", transfers: [] };
  private transferSequence = 0;
  private readonly listeners = new Set<() => void>();
  private live?: LiveConnection;
  /** Serves the wait lists the server pushes while the page is open (docs/CRYPTO.md "Key epochs"). */
  private readonly fulfiller: KeyFulfiller;
  /** Chats whose due rotation (after a leave) this page is waiting its turn for. */
  private readonly dueRotations = new Set<string>();
  /** The last message read per chat, kept on this device (set once the profile is known). */
  private readMarks?: ReadMarks;
  private noticeSequence = 0;
  /** The chat list reload under way: reloads run one after another, so an older list never overwrites a newer. */
  private listReload: Promise<void> = Promise.resolve();
  /** Latest pages read for the list since it last changed, by chat, and the timer that will show them. */
  private readonly readPages = new Map<string, ReadPage>();
  private readPagesTimer?: ReturnType<typeof setTimeout>;
  /** Chats whose latest page is being read (or waits to be shown): a reload meanwhile leaves them to it. */
  private readonly pageReads = new Set<string>();

  constructor(readonly messenger: Messenger) {
    // The session's own: it serves only whom the SDK would (a personal chat's two members, trusted certificates).
    this.fulfiller = messenger.keyFulfiller((error) => this.backgroundFailed(error));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const profile = await this.messenger.profile();
    this.readMarks = new ReadMarks(profile.pid);
    this.update({ profile });
    this.live = new LiveConnection(this.messenger.api, {
      message: (message) => {
        this.receive(message).catch((error: unknown) => this.backgroundFailed(error));
      },
      catchUpFailed: (failure) => this.catchUpFailed(failure),
      sessionEnded: (ended) => this.update({ ended }),
      state: (connection) => {
        this.update({ connection });
        // Membership events sent while offline are lost: the list and the wait lists are read again.
        if (connection === "online" && this.state.loaded)
          this.refreshChats(true).catch((error: unknown) => this.backgroundFailed(error));
      },
      chatAdded: (event) => {
        this.messenger.keyring.setCurrent(event.chatId, event.keyId);
        this.refreshChats().catch((error: unknown) => this.backgroundFailed(error));
      },
      chatRemoved: (event) => this.dropChat(event.chatId, event.reason),
      chatChanged: (event) => {
        this.messenger.keyring.setCurrent(event.chatId, event.keyId);
        if (event.rotationDue) this.rotateWhenDue(event.chatId);
        this.refreshMembers(event.chatId);
      },
      chatWaitList: (event) => {
        this.messenger.keyring.setCurrent(event.chatId, event.keyId);
        this.fulfiller.schedule(event);
        this.refreshMembers(event.chatId);
      },
    });
    await this.refreshChats(true);
    this.update({ loaded: true });
  }

  stop(): void {
    clearTimeout(this.readPagesTimer);
    this.live?.close();
    this.fulfiller.stop();
    this.listeners.clear();
  }

  /** Opens the members panel of a group or channel. */
  async showMembers(chatId: string): Promise<void> {
    this.update({ members: { chatId } });
    const data = await this.messenger.membership.members(chatId);
    if (this.state.members?.chatId === chatId) this.update({ members: { chatId, data } });
  }

  /** Opens the peer panel of a personal chat (it reads Messenger.pairPeer itself). */
  showPeer(chatId: string): void {
    this.update({ peer: chatId });
  }

  hidePeer(): void {
    const { peer: _hidden, ...rest } = this.state;
    this.state = rest;
    this.emit();
  }

  hideMembers(): void {
    const { members: _hidden, ...rest } = this.state;
    this.state = rest;
    this.emit();
  }

  async addMembers(chatId: string, phones: readonly string[], history: HistoryChoice): Promise<void> {
    this.showMembersData(await this.messenger.membership.add(chatId, phones, { history }));
  }

  async removeMember(chatId: string, pid: number): Promise<void> {
    this.showMembersData(await this.messenger.membership.remove(chatId, pid));
  }

  /** Promotes, demotes, or hands ownership over ("owner": the caller becomes an admin). */
  async setRole(chatId: string, pid: number, role: ChatRole): Promise<void> {
    this.showMembersData(await this.messenger.membership.setRole(chatId, pid, role));
  }

  async leave(chatId: string): Promise<void> {
    await this.messenger.membership.leave(chatId);
    this.dropChat(chatId, "left");
  }

  dismissNotice(): void {
    const { notice: _dismissed, ...rest } = this.state;
    this.state = rest;
    this.emit();
  }

  /** The person has seen `chatId` up to `messageId` (its bottom, in a visible tab): its unread mark goes. */
  markRead(chatId: string, messageId: number): void {
    this.readMarks?.markRead(chatId, messageId);
    const entry = this.state.chats.find((candidate) => candidate.chatId === chatId);
    if (!entry || entry.unread === 0 || (entry.preview?.message.id ?? 0) > messageId) return;
    this.update({
      chats: this.state.chats.map((candidate) => (candidate === entry ? { ...entry, unread: 0 } : candidate)),
    });
  }

  dismissRemoved(): void {
    const { removed: _dismissed, ...rest } = this.state;
    this.state = rest;
    this.emit();
  }

  /**
   * Reloads the chat list; new chats get their preview and are watched from their last message, and chats no
   * longer listed are dropped (removed or left while the page was offline: their `chatRemoved` was missed).
   * With `serveWaitLists` the wait lists it carries are served too (at start and after a reconnect). Settles
   * once the list is shown: the previews fill in after, and the next reload (a new chat, a reconnect) does not
   * wait for them.
   */
  refreshChats(serveWaitLists = false): Promise<void> {
    const reload = this.listReload.catch(() => {}).then(() => this.reloadChats(serveWaitLists));
    this.listReload = reload;
    return reload;
  }

  /**
   * The list is shown as soon as it is read, in the server's order (last activity first, each chat's
   * `lastMessageId` placing it); each new chat's latest page is then read for its preview and unread count, in
   * list order so that the chats in view come first (loadPreviews).
   */
  private async reloadChats(serveWaitLists: boolean): Promise<void> {
    const all = await this.messenger.chats();
    if (serveWaitLists)
      this.messenger.fulfilWaitLists(all).catch((error: unknown) => this.backgroundFailed(error));
    const contacts = all.filter((contact) => contact.chatId);
    const known = new Set(this.state.chats.map((entry) => entry.chatId));
    const listed = new Set(contacts.map((contact) => contact.chatId as string));
    for (const chatId of known) if (!listed.has(chatId)) this.dropChat(chatId, "unavailable");
    // Read again: a chat dropped meanwhile by its chatRemoved event stays dropped.
    const current = new Map(this.state.chats.map((entry) => [entry.chatId, entry]));
    const entries = contacts.flatMap((contact): ChatEntry[] => {
      const chatId = contact.chatId as string;
      if (!known.has(chatId)) return [{ contact, chatId, unread: 0, previewStatus: "pending" }];
      const now = current.get(chatId);
      return now ? [{ ...now, contact }] : [];
    });
    this.update({ chats: sortByRecent(entries) });
    // A chat whose page an earlier reload is still reading is not read (and counted) a second time.
    const fresh = this.state.chats
      .filter((entry) => entry.previewStatus === "pending" && !this.pageReads.has(entry.chatId))
      .map((entry) => entry.chatId);
    for (const chatId of fresh) this.pageReads.add(chatId);
    this.loadPreviews(fresh).catch((error: unknown) => this.backgroundFailed(error));
  }

  /** Reads the chats' latest pages, shows them, and watches the chats. */
  private async loadPreviews(chatIds: readonly string[]): Promise<void> {
    const lastIds = await mapLimited(chatIds, PREVIEW_CONCURRENCY, (chatId) => this.readLatestPage(chatId));
    this.showReadPages();
    for (const chatId of chatIds) this.pageReads.delete(chatId);
    // Watched together once every page is read: the socket resumes them in one or two batches, not in many
    // small ones as their pages come. What is sent meanwhile is caught up from each page's last message.
    chatIds.forEach((chatId, index) => {
      const lastId = lastIds[index];
      if (lastId !== undefined && this.state.chats.some((entry) => entry.chatId === chatId))
        this.live?.watch(chatId, lastId);
    });
  }

  /**
   * Reads a listed chat's latest page for its preview and unread count (shown with others read meanwhile); the
   * id to watch the chat from (the page's last message, 0 for none), undefined once the chat left the list. A
   * page that cannot be read fails this chat alone: a notice, and the chat watched from the list's last id.
   * A page refused because the member was removed meanwhile is no failure to tell.
   */
  private async readLatestPage(chatId: string): Promise<number | undefined> {
    const listedId = listedLastIdOf(this.state.chats, chatId);
    let read: ReadPage;
    try {
      // Null: no message this member may read, so no page to ask for.
      const page = listedId === null ? [] : await this.messenger.api.messages({ chat: chatId });
      const lastMessage = page.at(-1);
      read = lastMessage ? { page, last: await this.messenger.read(lastMessage) } : { page };
    } catch (error) {
      // Refused: the member was removed meanwhile; its chatRemoved (or the next reload) takes the chat away.
      if (error instanceof CertchatApiError && error.code === "GetChatsError") return undefined;
      this.backgroundFailed(error);
      read = { page: [], failed: true };
    }
    // A chat that left the list meanwhile (removed, left) is neither shown nor watched.
    if (!this.state.chats.some((entry) => entry.chatId === chatId)) return undefined;
    this.readPages.set(chatId, read);
    this.readPagesTimer ??= setTimeout(() => this.showReadPages(), PREVIEW_BATCH_MS);
    return read.failed ? (listedId ?? undefined) : (read.last?.message.id ?? 0);
  }

  /** Puts the pages read so far into their chats' entries, in one change of the list. */
  private showReadPages(): void {
    clearTimeout(this.readPagesTimer);
    this.readPagesTimer = undefined;
    if (this.readPages.size === 0) return;
    const ownPid = this.state.profile?.pid;
    const chats = this.state.chats.map((entry) => {
      const read = this.readPages.get(entry.chatId);
      // Into a chat still pending only: a page is never counted twice.
      if (!read || entry.previewStatus !== "pending") return entry;
      const lastRead = this.readMarks?.lastRead(entry.chatId) ?? 0;
      const unread = read.page.filter((message) => message.id > lastRead && message.pid !== ownPid).length;
      // A message sent from this page meanwhile is newer than the page's last.
      const newer = entry.preview && (!read.last || entry.preview.message.id > read.last.message.id);
      const preview = newer ? entry.preview : read.last;
      const { previewStatus: _pending, preview: _replaced, ...rest } = entry;
      return {
        ...rest,
        unread: entry.unread + unread,
        ...(preview ? { preview } : {}),
        ...(read.failed ? { previewStatus: "failed" as const } : {}),
      };
    });
    this.readPages.clear();
    this.update({ chats: sortByRecent(chats) });
  }

  async openChat(chatId: string): Promise<void> {
    if (this.state.open?.chatId === chatId) return;
    await this.showLatest(chatId);
  }

  /** (Re)opens the chat at its latest page. */
  async showLatest(chatId: string): Promise<void> {
    this.update({
      open: {
        chatId,
        messages: [],
        loadingOlder: true,
        reachedStart: false,
      },
    });
    const page = await this.messenger.history(chatId);
    this.updateOpen(chatId, (open) => ({
      ...open,
      messages: merge(open.messages, page),
      loadingOlder: false,
      reachedStart: page.length === 0,
    }));
    // A short page is most likely the whole chat, but only an empty page says so (docs/API.md: a page cut at the
    // server's byte budget is short too): one look further back settles it, so a short chat shows its start
    // without the scrolling it may not have room for.
    if (page.length > 0 && page.length < HISTORY_PAGE_SIZE) await this.loadOlder();
  }

  closeChat(): void {
    const { open: _closed, ...rest } = this.state;
    this.state = rest;
    this.emit();
  }

  /** The page of 50 before the oldest message shown. */
  async loadOlder(): Promise<void> {
    const open = this.state.open;
    if (!open || open.loadingOlder || open.reachedStart) return;
    const oldest = open.messages[0]?.message.id;
    if (oldest === undefined) return;
    this.updateOpen(open.chatId, (current) => ({ ...current, loadingOlder: true }));
    try {
      const page = await this.messenger.history(open.chatId, { before: oldest });
      this.updateOpen(open.chatId, (current) => ({
        ...current,
        messages: merge(current.messages, page),
        loadingOlder: false,
        reachedStart: page.length === 0,
      }));
    } catch (error) {
      this.updateOpen(open.chatId, (current) => ({ ...current, loadingOlder: false }));
      throw error;
    }
  }

  async sendText(chatId: string, text: string): Promise<void> {
    await this.show(await this.messenger.sendText(chatId, text));
  }

  /** Encrypts, signs (CMS) and sends a file, its progress in `transfers`. */
  async sendFile(chatId: string, file: File): Promise<void> {
    const id = this.startTransfer(chatId, "upload", file.name, "encrypt", file.size);
    try {
      const content = new Uint8Array(await file.arrayBuffer());
      const sent = await this.messenger.sendFile(chatId, { content, name: file.name }, (phase, done, total) =>
        this.progress(id, phase, done, total),
      );
      await this.show(sent);
    } finally {
      this.endTransfer(id);
    }
  }

  /** Downloads and decrypts the file of `message`, its CMS signature checked; progress in `transfers`. */
  async downloadFile(message: Message, name: string): Promise<DownloadedFile> {
    const file = message.file;
    if (!file) throw new Error(`message ${message.id} has no file`);
    const id = this.startTransfer(message.chat, "download", name, "download", 0);
    try {
      return await this.messenger.downloadFile(message.chat, file, (phase, done, total) =>
        this.progress(id, phase, done, total),
      );
    } finally {
      this.endTransfer(id);
    }
  }

  /** Creates a group (or channel) with the holders of `phones`, then opens it. */
  async createGroup(name: string, phones: readonly string[], channel: boolean): Promise<void> {
    const created = await this.messenger.createGroup(name, phones, channel);
    await this.refreshChats();
    if (created.chatId) await this.openChat(created.chatId);
  }

  /** The DER of certificate `cid` when the page knows it: the own profile's, or a chat partner's. */
  certificateDer(cid: number): Uint8Array | undefined {
    const holders = [
      ...(this.state.profile ? [this.state.profile] : []),
      ...this.state.chats.map((entry) => entry.contact),
    ];
    for (const holder of holders) {
      const found = holder.certificates.find((certificate) => certificate.id === cid);
      if (found) return decodeBase64(found.cert);
    }
    return undefined;
  }

  /** The registered people holding `phone`. */
  lookUp(phone: string): Promise<Contact[]> {
    return this.messenger.lookUp([phone]);
  }

  /** Opens the personal chat with the holder of `phone`, creating it when there is none. */
  async startChat(phone: string): Promise<string> {
    const contact = await this.messenger.chatWith(phone);
    const chatId = contact.chatId as string;
    await this.refreshChats();
    await this.openChat(chatId);
    return chatId;
  }

  private startTransfer(
    chatId: string,
    direction: Transfer["direction"],
    name: string,
    phase: Transfer["phase"],
    total: number,
  ): string {
    this.transferSequence += 1;
    const id = `${direction}-${this.transferSequence}`;
    this.update({
      transfers: [...this.state.transfers, { id, chatId, direction, name, phase, done: 0, total }],
    });
    return id;
  }

  private progress(id: string, phase: Transfer["phase"], done: number, total: number): void {
    this.update({
      transfers: this.state.transfers.map((transfer) =>
        transfer.id === id ? { ...transfer, phase, done, total } : transfer,
      ),
    });
  }

  private endTransfer(id: string): void {
    this.update({ transfers: this.state.transfers.filter((transfer) => transfer.id !== id) });
  }

  /** A chat the user is no longer a member of leaves the list (and the screen), with a sentence why. */
  private dropChat(chatId: string, reason: RemovalReason): void {
    const entry = this.state.chats.find((candidate) => candidate.chatId === chatId);
    this.live?.unwatch(chatId);
    this.messenger.keyring.drop(chatId);
    const { open, members, ...rest } = this.state;
    this.state = {
      ...rest,
      ...(open && open.chatId !== chatId ? { open } : {}),
      ...(members && members.chatId !== chatId ? { members } : {}),
      chats: this.state.chats.filter((candidate) => candidate.chatId !== chatId),
      ...(entry ? { removed: { chatId, name: entry.contact.chatName ?? entry.contact.user, reason } } : {}),
    };
    this.emit();
  }

  private refreshMembers(chatId: string): void {
    if (this.state.members?.chatId !== chatId) return;
    this.showMembers(chatId).catch((error: unknown) => this.backgroundFailed(error));
  }

  private showMembersData(data: ChatMembersData): void {
    if (this.state.members?.chatId === data.chatId) this.update({ members: { chatId: data.chatId, data } });
  }

  /** A member left: this page rotates the key if it is its turn and nobody did first (the SDK decides). */
  private rotateWhenDue(chatId: string): void {
    if (this.dueRotations.has(chatId)) return;
    this.dueRotations.add(chatId);
    this.messenger.membership
      .rotateWhenDue(chatId, (ms) => new Promise((resolve) => setTimeout(resolve, ms)))
      .catch((error: unknown) => this.backgroundFailed(error))
      .finally(() => this.dueRotations.delete(chatId));
  }

  /**
   * Background work (fulfilment, rotation, catch-up, a refresh after an event) failed: the page goes on, the
   * person sees a sentence they can dismiss, and the console keeps the details for support.
   */
  private backgroundFailed(error: unknown): void {
    console.warn("certchat: background work failed", error);
    this.noticeSequence += 1;
    this.update({ notice: { id: this.noticeSequence, text: describeError(error) } });
  }

  /**
   * An attempt that will be retried is only logged; a catch-up that gave up is a notice (the chat shows nothing
   * new until the next reconnect fetches what it missed), unless its chat is no longer listed.
   */
  private catchUpFailed(failure: CatchUpFailure): void {
    if (failure.retrying) {
      console.warn("certchat: catch-up attempt failed, retrying", failure);
      return;
    }
    if (failure.error instanceof CertchatApiError && failure.error.code === "GetChatsError") {
      // Refused as a non-member: most likely removed while offline. The reloaded list drops the chat with its
      // own sentence; only a chat still listed after it is a failure worth a notice.
      this.refreshChats()
        .then(() => this.noticeGaveUp(failure))
        .catch((error: unknown) => this.backgroundFailed(error));
    } else this.noticeGaveUp(failure);
  }

  private noticeGaveUp(failure: CatchUpFailure): void {
    const entry = this.state.chats.find((candidate) => candidate.chatId === failure.chat);
    if (!entry) return;
    const name = entry.contact.chatName ?? entry.contact.user;
    this.backgroundFailed(new UserFacingError(t.errors.catchUpGaveUp(name), { cause: failure.error }));
  }

  private async receive(message: Message): Promise<void> {
    const read = await this.show(message);
    if (!read) return;
    const lastRead = this.readMarks?.lastRead(message.chat) ?? 0;
    if (message.pid !== this.state.profile?.pid && message.id > lastRead) {
      this.update({
        chats: this.state.chats.map((entry) =>
          entry.chatId === message.chat ? { ...entry, unread: entry.unread + 1 } : entry,
        ),
      });
    }
  }

  /** Reads a message into the open chat (once) and the chat list's preview; the read message. */
  private async show(message: Message): Promise<ReadMessage | undefined> {
    const read = await this.messenger.read(message);
    if (this.state.open?.chatId === message.chat) {
      if (this.state.open.messages.some((shown) => shown.message.id === message.id)) return undefined;
      this.updateOpen(message.chat, (open) => ({ ...open, messages: merge(open.messages, [read]) }));
    }
    const entries = this.state.chats.map((entry) =>
      entry.chatId === message.chat && (entry.preview?.message.id ?? 0) < message.id
        ? { ...entry, preview: read }
        : entry,
    );
    this.update({ chats: sortByRecent(entries) });
    return read;
  }

  private updateOpen(chatId: string, change: (open: OpenChat) => OpenChat): void {
    if (this.state.open?.chatId !== chatId) return;
    this.update({ open: change(this.state.open) });
  }

  private update(change: Partial<MessengerState>): void {
    this.state = { ...this.state, ...change };
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** `added` merged into `shown` in id order, each message once; an older page or a newer message is a plain join. */
function merge(shown: readonly ReadMessage[], added: readonly ReadMessage[]): ReadMessage[] {
  const sorted = [...added].sort(byId);
  const first = sorted[0]?.message.id;
  const last = sorted.at(-1)?.message.id;
  if (first === undefined || last === undefined) return [...shown];
  if (last < (shown[0]?.message.id ?? Number.POSITIVE_INFINITY)) return [...sorted, ...shown];
  if (first > (shown.at(-1)?.message.id ?? Number.NEGATIVE_INFINITY)) return [...shown, ...sorted];
  const byIdMap = new Map(shown.map((read) => [read.message.id, read]));
  for (const read of sorted) byIdMap.set(read.message.id, read);
  return [...byIdMap.values()].sort(byId);
}

function byId(a: ReadMessage, b: ReadMessage): number {
  return a.message.id - b.message.id;
}

/**
 * Most recent first: by the last message's id (ids increase across chats), the one read or, until then, the one
 * the list named; chats without one keep the server's order.
 */
function sortByRecent(entries: readonly ChatEntry[]): ChatEntry[] {
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => {
      const byId = lastIdOf(b.entry) - lastIdOf(a.entry);
      return byId !== 0 ? byId : a.index - b.index;
    })
    .map(({ entry }) => entry);
}

function lastIdOf(entry: ChatEntry): number {
  return Math.max(entry.preview?.message.id ?? 0, listedLastId(entry.contact) ?? 0);
}

/** The `lastMessageId` the list gave the chat (listedLastId), undefined for a chat not listed. */
function listedLastIdOf(chats: readonly ChatEntry[], chatId: string): number | null | undefined {
  const entry = chats.find((candidate) => candidate.chatId === chatId);
  return entry && listedLastId(entry.contact);
}

/** The list's `lastMessageId` of the chat: null for none; undefined when not given (or not an id: not trusted). */
function listedLastId(contact: Contact): number | null | undefined {
  const { lastMessageId } = contact;
  if (lastMessageId === null) return null;
  return Number.isSafeInteger(lastMessageId) && (lastMessageId as number) >= 0 ? lastMessageId : undefined;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
