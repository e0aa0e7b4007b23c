import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertchatApiError } from "../../src/client/api.ts";
import { CatchUpFetcher, type CatchUpTransport } from "../../src/client/catch-up.ts";
import type { ErrorCode } from "../../src/protocol/errors.ts";
import type { Message, ResumeData, ResumeRequest } from "../../src/protocol/schemas/messages.ts";
import { message } from "./message-fixture.ts";

/**
 * A connection's side of catch-ups, in memory: `resume` answers each chat with nothing new (or refuses the
 * event with `resumeError`), pages come from `pages` (empty once used up); it records what was asked.
 */
class FakeTransport implements CatchUpTransport {
  readonly resumes: ResumeRequest["chats"][] = [];
  readonly subscribes: string[] = [];
  readonly pagesAsked: { chat: string; after: number }[] = [];
  readonly delivered: Message[] = [];
  readonly lastIds = new Map<string, number>();
  resumeError: ErrorCode | undefined;
  more = false;
  pages: Message[][] = [];

  async resume(chats: ResumeRequest["chats"]): Promise<ResumeData> {
    this.resumes.push(chats);
    if (this.resumeError) throw new CertchatApiError(this.resumeError);
    return { chats: chats.map(({ chat }) => ({ chat, messages: [], more: this.more })) };
  }

  async subscribe(chat: string): Promise<void> {
    this.subscribes.push(chat);
  }

  async nextPage(chat: string, after: number): Promise<Message[]> {
    this.pagesAsked.push({ chat, after });
    return this.pages.shift() ?? [];
  }

  lastId(chat: string): number | undefined {
    return this.lastIds.get(chat);
  }

  deliver(delivered: Message): void {
    this.delivered.push(delivered);
    this.lastIds.set(delivered.chat, Math.max(delivered.id, this.lastIds.get(delivered.chat) ?? 0));
  }
}

function watched(transport: FakeTransport, count: number): string[] {
  const chats = Array.from({ length: count }, (_, i) => `chat-${i}`);
  for (const chat of chats) transport.lastIds.set(chat, 7);
  return chats;
}

describe("CatchUpFetcher", () => {
  it("sends the chats whose catch-ups start in one turn in resumes of at most 100 chats each", async () => {
    const transport = new FakeTransport();
    const fetcher = new CatchUpFetcher(transport);
    const link = new AbortController();
    const chats = watched(transport, 250);
    await Promise.all(chats.map((chat) => fetcher.fetchGap(chat, link)));
    assert.deepEqual(
      transport.resumes.map((chunk) => chunk.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      transport.resumes.flat(),
      chats.map((chat) => ({ chat, id: 7 })),
    );
    assert.deepEqual([transport.subscribes, transport.pagesAsked], [[], []]);
  });

  it("after a resume answered MethodNotFound subscribes and pages per chat for the rest of that connection", async () => {
    const transport = new FakeTransport();
    transport.resumeError = "MethodNotFound";
    const fetcher = new CatchUpFetcher(transport);
    const link = new AbortController();
    const [first, second] = watched(transport, 2) as [string, string];
    await fetcher.fetchGap(first, link);
    await fetcher.fetchGap(second, link);
    assert.equal(transport.resumes.length, 1);
    assert.deepEqual(transport.subscribes, [first, second]);
    assert.deepEqual(transport.pagesAsked, [
      { chat: first, after: 7 },
      { chat: second, after: 7 },
    ]);
    await fetcher.fetchGap(first, new AbortController());
    assert.equal(transport.resumes.length, 2, "the next connection tries resume again");
  });

  it("pages on from the last id while the resume says more, until an empty page", async () => {
    const transport = new FakeTransport();
    transport.more = true;
    const [chat] = watched(transport, 1) as [string];
    transport.pages = [[message(chat, 8), message(chat, 9)], [message(chat, 10)]];
    await new CatchUpFetcher(transport).fetchGap(chat, new AbortController());
    assert.deepEqual(
      transport.delivered.map((delivered) => delivered.id),
      [8, 9, 10],
    );
    assert.deepEqual(
      transport.pagesAsked.map(({ after }) => after),
      [7, 9, 10],
    );
  });

  it("takes a page far larger than the call stack holds arguments (a malicious server's) in its stride", async () => {
    const transport = new FakeTransport();
    transport.more = true;
    const [chat] = watched(transport, 1) as [string];
    transport.pages = [Array.from({ length: 300_000 }, (_, index) => message(chat, 8 + index))];
    await new CatchUpFetcher(transport).fetchGap(chat, new AbortController());
    assert.equal(transport.delivered.length, 300_000);
    assert.deepEqual(transport.pagesAsked.at(-1), { chat, after: 300_007 });
  });

  it("fails on a page with nothing after the id asked from (ids going back, a page served again) instead of paging forever", async () => {
    const transport = new FakeTransport();
    transport.more = true;
    const [chat] = watched(transport, 1) as [string];
    // A hostile server's answer to every "next after 7": an older message, again and again.
    transport.pages = Array.from({ length: 1_000 }, () => [message(chat, 3)]);
    await assert.rejects(
      new CatchUpFetcher(transport).fetchGap(chat, new AbortController()),
      /holds nothing after it/,
    );
    assert.equal(transport.pagesAsked.length, 1);
  });

  it("leaves out of the resume a chat no longer watched when it goes", async () => {
    const transport = new FakeTransport();
    const fetcher = new CatchUpFetcher(transport);
    const link = new AbortController();
    const [kept, dropped] = watched(transport, 2) as [string, string];
    const runs = [fetcher.fetchGap(kept, link), fetcher.fetchGap(dropped, link)];
    transport.lastIds.delete(dropped);
    await runs[0];
    await assert.rejects(runs[1] as Promise<void>, /no longer watched/);
    assert.deepEqual(transport.resumes, [[{ chat: kept, id: 7 }]]);
  });

  // The page's newest id was taken from every message in it: one of another chat moved this chat's paging
  // past its own gap (and went to that chat's listeners).
  it("fails on a page holding a message of another chat, delivering none of it and skipping nothing", async () => {
    const transport = new FakeTransport();
    transport.more = true;
    const [chat, other] = watched(transport, 2) as [string, string];
    transport.pages = [[message(chat, 8), message(other, 1_000)], [message(chat, 9)]];
    await assert.rejects(new CatchUpFetcher(transport).fetchGap(chat, new AbortController()), /another chat/);
    assert.deepEqual(transport.delivered, []);
    assert.equal(transport.lastIds.get(other), 7);
  });

  it("fails on a resume answer holding a message of another chat, delivering none of it", async () => {
    const transport = new FakeTransport();
    const [chat, other] = watched(transport, 2) as [string, string];
    transport.resume = async (chats) => ({
      chats: chats.map((asked) => ({ chat: asked.chat, messages: [message(other, 1_000)], more: false })),
    });
    await assert.rejects(new CatchUpFetcher(transport).fetchGap(chat, new AbortController()), /another chat/);
    assert.deepEqual(transport.delivered, []);
  });
});
