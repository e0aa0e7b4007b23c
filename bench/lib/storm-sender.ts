import { setTimeout as delay } from "node:timers/promises";
import type { ChatUser } from "../../test/support/chats.ts";
import { textWithSeq } from "./socket-fixtures.ts";

/** Between attempts while the server (or every node behind the proxy) is away. */
const RETRY_MS = 500;

/**
 * A sender outside the sockets under test, posting over REST (`/api/sendMessage/`) and retrying each message
 * with its `localId` until it is acknowledged: refused connections while the node is down, a proxy's 503,
 * an answer lost with the connection. A retry of a message already stored is answered with the stored one, so
 * every message is stored once and its id known. Acked ids per chat are what every subscriber must end up with.
 */
export class StormSender {
  readonly acked = new Map<string, number[]>();
  /** Attempts that failed and were retried. */
  retries = 0;
  private nextLocalId = 1;

  constructor(
    private readonly url: () => string,
    private readonly user: ChatUser,
  ) {}

  /** Sends one message into `chat`, retrying until acked (bounded by `deadline`, performance.now() ms). */
  async send(chat: string, deadline: number): Promise<void> {
    const localId = this.nextLocalId++;
    const body = JSON.stringify({
      token: this.user.token,
      chat,
      cid: this.user.cid,
      text: textWithSeq(localId),
      localId,
    });
    for (;;) {
      const envelope = await post(`${this.url()}/api/sendMessage/`, body).catch(() => undefined);
      if (envelope?.success) {
        const id = (envelope.data as { id: number }).id;
        const ids = this.acked.get(chat) ?? [];
        ids.push(id);
        this.acked.set(chat, ids);
        return;
      }
      // CommonError: a fault, sent again; NetworkError: a closing node did not run it (a 503 HAProxy passed on).
      if (envelope && envelope.error !== "CommonError" && envelope.error !== "NetworkError") {
        throw new Error(`sendMessage refused: ${envelope.error}`);
      }
      if (performance.now() > deadline)
        throw new Error(`sendMessage not acked in time (${this.retries} retries)`);
      this.retries++;
      await delay(RETRY_MS);
    }
  }

  /** One message into each chat, all at once. */
  async sendToEach(chats: string[], deadline: number): Promise<void> {
    await Promise.all(chats.map((chat) => this.send(chat, deadline)));
  }

  /** One message into each chat, spread evenly over `ms`. */
  async spreadOver(chats: string[], ms: number, deadline: number): Promise<void> {
    const gap = ms / chats.length;
    const sends: Promise<void>[] = [];
    for (const chat of chats) {
      sends.push(this.send(chat, deadline));
      await delay(gap);
    }
    await Promise.all(sends);
  }

  ackedRecord(): Record<string, number[]> {
    return Object.fromEntries(this.acked);
  }

  get ackedCount(): number {
    return [...this.acked.values()].reduce((sum, ids) => sum + ids.length, 0);
  }
}

interface Envelope {
  success: boolean;
  error?: string;
  data?: unknown;
}

/**
 * A JSON POST; throws on a network failure or an answer that is not an envelope (a proxy's error page), which
 * the retry loop treats as the network failure it is for the client. A closing node's 503 is the envelope
 * (NetworkError, src/server/http/closing.ts).
 */
async function post(url: string, body: string): Promise<Envelope> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await response.json()) as Partial<Envelope>;
  if (typeof answer.success !== "boolean") throw new Error(`not an envelope: HTTP ${response.status}`);
  return answer as Envelope;
}
