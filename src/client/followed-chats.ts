/**
 * The chats a live connection follows, shared by the SDK's CertchatSocket and the web page's LiveConnection:
 * each chat's last delivered id and, after every (re)connect, its catch-up run — attempts of
 * src/client/catch-up.ts's CatchUpFetcher, tried again with growing delays (src/client/retry.ts), cancelled by
 * a disconnect — while the live messages that arrive meanwhile are held back, so each message is delivered
 * once and in id order per chat. A run that gave up keeps the chat's place: nothing after the gap is delivered
 * (that would skip it) until a later run fetches the gap, at the next reconnect or when asked.
 */
import type { Message } from "../protocol/schemas/messages.ts";
import { CertchatApiError } from "./api.ts";
import { CatchUpFetcher, type CatchUpTransport } from "./catch-up.ts";
import { type RetryEnd, type RetryPolicy, retryUntilDone } from "./retry.ts";

/**
 * About a minute and a half of attempts (ack timeouts included) before a catch-up gives up on a connection
 * that stays up: long enough to ride out a node busy with a reconnect storm.
 */
export const DEFAULT_CATCH_UP_RETRY: RetryPolicy = { attempts: 8, firstDelayMs: 500, maxDelayMs: 15_000 };

/**
 * A failed attempt to catch a chat up (resume or subscribe, then history pages). `retrying`: another attempt
 * follows; false when the catch-up gave up — the server refused the chat (GetChatsError: not a member), or
 * every attempt failed. The chat keeps its place then: nothing after its last delivered message is delivered
 * until a later catch-up fetches the gap.
 */
export interface CatchUpFailure {
  chat: string;
  attempt: number;
  error: unknown;
  retrying: boolean;
}

/** Refusals no retry changes. */
const FINAL_REFUSALS = new Set(["GetChatsError", "InvalidSchema"]);

/** A catch-up failure no retry changes: the server refused the chat or the request. */
export function isFinalCatchUpRefusal(error: unknown): boolean {
  return error instanceof CertchatApiError && FINAL_REFUSALS.has(error.code);
}

export interface FollowedChatsOptions {
  /** The connection's requests a catch-up makes. */
  transport: Pick<CatchUpTransport, "resume" | "subscribe" | "nextPage">;
  retry: RetryPolicy;
  /** Told of each failed catch-up attempt. */
  failed(failure: CatchUpFailure): void;
  /** A followed chat's next message: each id once, in id order per chat. */
  deliver(message: Message): void;
}

/**
 * A chat being caught up on a connection: the live messages held until its gap is fetched (delivered at once,
 * one would move the last id past the gap), or undefined once the run gave up (live messages are then left
 * for the next catch-up, which fetches them with the gap).
 */
interface CatchUp {
  link: AbortController;
  held: Message[] | undefined;
  run: Promise<RetryEnd> | undefined;
}

export class FollowedChats {
  /** Followed chats → the last message id delivered (0: none yet). */
  private readonly lastIds = new Map<string, number>();
  /** Chats being caught up, or whose catch-up gave up: their live messages are not delivered directly. */
  private readonly catchUps = new Map<string, CatchUp>();
  /** The current connection: aborted at its disconnect, which cancels its catch-ups (the next connect's runs). */
  private link: AbortController | undefined;
  private readonly gaps: CatchUpFetcher;

  constructor(private readonly options: FollowedChatsOptions) {
    this.gaps = new CatchUpFetcher({
      ...options.transport,
      lastId: (chat) => this.lastIds.get(chat),
      deliver: (message) => this.deliver(message),
    });
  }

  /** A connection is up: every followed chat is caught up on it (their catch-ups go in one `resume`). */
  connected(): void {
    this.link = new AbortController();
    // Each run retries on its own and reports what fails to `failed`.
    for (const chat of this.lastIds.keys()) void this.catchUp(chat);
  }

  /** The connection is down: its catch-ups stop; the next connection's start again from the last ids. */
  disconnected(): void {
    this.link?.abort();
  }

  /** A live message: delivered, or held while its chat is caught up. */
  receive(message: Message): void {
    const catchUp = this.catchUps.get(message.chat);
    if (!catchUp) this.deliver(message);
    else catchUp.held?.push(message);
  }

  has(chat: string): boolean {
    return this.lastIds.has(chat);
  }

  /** The last id delivered of a followed chat; undefined for one not followed. */
  lastId(chat: string): number | undefined {
    return this.lastIds.get(chat);
  }

  /**
   * Follows `chat` from `lastId` (true: it was not followed; `catchUp` fetches what is after), or moves a
   * followed chat's place forward to it: the owner holds everything up to `lastId`. Not while the chat's gap
   * is being fetched or waits for a later catch-up: what the gap delivers would then be dropped as seen,
   * and a caller's `lastId` may well be past a gap it does not hold.
   */
  follow(chat: string, lastId: number): boolean {
    const known = this.lastIds.get(chat);
    if (known === undefined) {
      this.lastIds.set(chat, lastId);
      return true;
    }
    if (!this.catchUps.has(chat)) this.lastIds.set(chat, Math.max(known, lastId));
    return false;
  }

  /** Stops delivering `chat` and forgets its place. */
  forget(chat: string): void {
    this.lastIds.delete(chat);
    this.catchUps.delete(chat);
  }

  /** Stops every catch-up for good (the connection is closed). */
  close(): void {
    this.link?.abort();
  }

  /**
   * The run catching `chat` up on the current connection: the one under way, or a new one (none yet on this
   * connection, or the last gave up). Cancelled at once while disconnected: the next connect starts one.
   */
  catchUp(chat: string): Promise<RetryEnd> {
    const link = this.link;
    if (!link || link.signal.aborted || !this.lastIds.has(chat))
      return Promise.resolve({ kind: "cancelled" });
    const current = this.catchUps.get(chat);
    if (current?.run && current.link === link) return current.run;
    const state: CatchUp = { link, held: [], run: undefined };
    this.catchUps.set(chat, state);
    state.run = this.runCatchUp(chat, state);
    return state.run;
  }

  /**
   * Fetches the gap, attempt after attempt with growing delays, until it is fetched, the connection ends (the
   * next one starts again from the last id delivered), the chat is forgotten or followed anew, or the
   * attempts run out.
   */
  private async runCatchUp(chat: string, state: CatchUp): Promise<RetryEnd> {
    const end = await retryUntilDone(
      {
        policy: this.options.retry,
        signal: state.link.signal,
        wanted: () => this.catchUps.get(chat) === state,
        final: isFinalCatchUpRefusal,
        failed: (attempt, error, retrying) => this.options.failed({ chat, attempt, error, retrying }),
      },
      () => this.gaps.fetchGap(chat, state.link, () => this.catchUps.get(chat) === state),
    );
    return this.endCatchUp(chat, state, end);
  }

  /**
   * Caught up: the held live messages follow the pages. Cancelled: they are dropped, the next catch-up fetches
   * them (their ids are above the last delivered). Failed: the chat goes on holding back its live messages,
   * dropping them likewise, until a later catch-up. A later run, if any, owns the chat: nothing to do then.
   */
  private endCatchUp(chat: string, state: CatchUp, end: RetryEnd): RetryEnd {
    if (this.catchUps.get(chat) !== state) return end;
    if (end.kind === "failed") {
      state.held = undefined;
      state.run = undefined;
      return end;
    }
    this.catchUps.delete(chat);
    if (end.kind === "done")
      for (const message of (state.held ?? []).sort((a, b) => a.id - b.id)) this.deliver(message);
    return end;
  }

  /** Each message once, in id order per chat (live events and catch-up pages overlap). */
  private deliver(message: Message): void {
    // A chat no longer followed (the member was removed) delivers nothing more, even from a catch-up page.
    const last = this.lastIds.get(message.chat);
    if (last === undefined || message.id <= last) return;
    this.lastIds.set(message.chat, message.id);
    this.options.deliver(message);
  }
}
