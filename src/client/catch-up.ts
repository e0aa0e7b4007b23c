/**
 * One catch-up attempt of a chat after a (re)connect, shared by the SDK's CertchatSocket and the web page's live
 * connection: the chat's part of a `resume` (docs/API.md "resume": the chats whose catch-ups start in the same
 * turn of a connection go together, up to MAX_RESUME_CHATS per event), then, while its answer says `more`,
 * `messages` / `rel: "next"` pages until one is empty (a page may stop short of 50 at the server's byte budget,
 * CERTCHAT_MAX_PAGE_BYTES, with more after it). A server without `resume` (an older one answers
 * `MethodNotFound`) gets `subscribe` and pages per chat instead, for the rest of that connection.
 */
import {
  MAX_RESUME_CHATS,
  type Message,
  type ResumeData,
  type ResumedChat,
  type ResumeRequest,
} from "../protocol/schemas/messages.ts";
import { CertchatApiError } from "./api.ts";

/** What a catch-up asks the connection and its owner. */
export interface CatchUpTransport {
  /** The `resume` event's ack `data`; rejects with CertchatApiError on an error envelope. */
  resume(chats: ResumeRequest["chats"]): Promise<ResumeData>;
  /** The `subscribe` event; rejects on a refusal. */
  subscribe(chat: string): Promise<void>;
  /** The `messages` page `{chat, id: after, rel: "next"}` (over the socket or REST). */
  nextPage(chat: string, after: number): Promise<Message[]>;
  /** The last message id delivered of a chat still watched (0: none); undefined once it is not. */
  lastId(chat: string): number | undefined;
  /** Delivers a message of the gap (the owner keeps each id once, in order). */
  deliver(message: Message): void;
}

/** A chat waiting in a `resume` batch: its answer, or undefined when the server has no `resume` (older). */
interface ResumeEntry {
  answer: Promise<ResumedChat | undefined>;
  settle(answer: ResumedChat | undefined): void;
  fail(error: unknown): void;
}

/** The chats whose catch-ups started in the same turn of a connection: they go in one `resume`. */
interface ResumeBatch {
  link: AbortController;
  chats: Map<string, ResumeEntry>;
}

/** Throws unless every message is of `chat`: no honest server mixes chats in a chat's page. */
export function onlyOf(chat: string, messages: readonly Message[]): void {
  const foreign = messages.find((message) => message.chat !== chat);
  if (foreign) throw new Error(`a page of chat ${chat} holds message ${foreign.id} of another chat`);
}

export class CatchUpFetcher {
  /** Catch-ups waiting for the next `resume` (sent a macrotask after the first joins, so a connect's all go). */
  private pending: ResumeBatch | undefined;
  /** The connection whose server answered `resume` MethodNotFound: its catch-ups subscribe chat by chat. */
  private olderServer: AbortController | undefined;

  constructor(private readonly transport: CatchUpTransport) {}

  /**
   * Subscribes `chat` again and delivers everything after its last id, on the connection `link` (aborted at
   * its disconnect: the attempt then fails, and the next connection's catch-up starts again). Ends as well
   * when the chat is no longer watched (nothing to page for), and fails on a page with nothing after the id
   * asked from (no honest server sends one): either would otherwise ask for the same page forever. Fails, too,
   * on an answer holding a message of another chat (its id would move this chat's paging past its own gap).
   * `current`: whether the attempt still owns the chat; one replaced (the chat forgotten and followed anew,
   * perhaps from an earlier id) stops before it delivers, or its later ids would move the place past the new gap.
   */
  async fetchGap(chat: string, link: AbortController, current: () => boolean = () => true): Promise<void> {
    // Never on a later connection, nor once replaced: that run catches the chat up.
    const onThisConnection = () => {
      if (link.signal.aborted) throw new Error("the connection ended");
      if (!current()) throw new Error("the catch-up was replaced");
    };
    onThisConnection();
    const resumed = await this.resumeChat(chat, link);
    onThisConnection();
    if (resumed) {
      onlyOf(chat, resumed.messages);
      for (const message of resumed.messages) this.transport.deliver(message);
      if (!resumed.more) return;
    } else {
      await this.transport.subscribe(chat);
    }
    for (let after = this.transport.lastId(chat); after !== undefined; ) {
      onThisConnection();
      const page = await this.transport.nextPage(chat, after);
      onThisConnection();
      // Only an empty page ends the gap: a page cut at the byte budget is short with more after it.
      if (page.length === 0) return;
      onlyOf(chat, page);
      // Not Math.max(...ids): spreading a huge page (a malicious server's) overflows the call stack.
      const newest = page.reduce((most, message) => Math.max(most, message.id), Number.NEGATIVE_INFINITY);
      if (!(newest > after))
        throw new Error(`the next page of chat ${chat} after ${after} holds nothing after it`);
      for (const message of page) this.transport.deliver(message);
      // From the page itself (all of this chat), not from what was delivered: an unwatched chat delivers nothing.
      after = this.transport.lastId(chat) === undefined ? undefined : newest;
    }
  }

  /** The chat's answer in the connection's next `resume` batch; undefined from an older server. */
  private resumeChat(chat: string, link: AbortController): Promise<ResumedChat | undefined> {
    if (this.olderServer === link) return Promise.resolve(undefined);
    let batch = this.pending;
    if (!batch || batch.link !== link) {
      const next: ResumeBatch = { link, chats: new Map() };
      this.pending = batch = next;
      // A timer, not setImmediate: this runs in browsers too.
      setTimeout(() => this.send(next), 0);
    }
    const waiting = batch.chats.get(chat);
    if (waiting) return waiting.answer;
    let settle: ResumeEntry["settle"] = () => {};
    let fail: ResumeEntry["fail"] = () => {};
    const answer = new Promise<ResumedChat | undefined>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    batch.chats.set(chat, { answer, settle, fail });
    return answer;
  }

  /** Sends a batch, MAX_RESUME_CHATS chats per `resume`, and hands each chat its answer. */
  private send(batch: ResumeBatch): void {
    if (this.pending === batch) this.pending = undefined;
    const entries = [...batch.chats].filter(([chat, entry]) => {
      // The next connection's runs resume their chats themselves.
      if (batch.link.signal.aborted) entry.fail(new Error("the connection ended"));
      else if (this.transport.lastId(chat) === undefined)
        entry.fail(new Error("the chat is no longer watched"));
      else return true;
      return false;
    });
    for (let at = 0; at < entries.length; at += MAX_RESUME_CHATS) {
      const chunk = entries.slice(at, at + MAX_RESUME_CHATS);
      const chats = chunk.map(([chat]) => ({ chat, id: this.transport.lastId(chat) ?? 0 }));
      this.transport.resume(chats).then(
        (data) => {
          const answers = new Map(data.chats.map((answer) => [answer.chat, answer]));
          for (const [chat, entry] of chunk) {
            const answer = answers.get(chat);
            if (!answer) entry.fail(new CertchatApiError("InvalidResponse"));
            else if ("error" in answer) entry.fail(new CertchatApiError(answer.error));
            else entry.settle(answer);
          }
        },
        (error: unknown) => {
          const older = error instanceof CertchatApiError && error.code === "MethodNotFound";
          if (older) this.olderServer = batch.link;
          for (const [, entry] of chunk) {
            if (older) entry.settle(undefined);
            else entry.fail(error);
          }
        },
      );
    }
  }
}
