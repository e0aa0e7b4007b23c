import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertchatApiError } from "../../src/client/api.ts";
import { type CatchUpFailure, FollowedChats } from "../../src/client/followed-chats.ts";
import type { ResumeData, ResumeRequest } from "../../src/protocol/schemas/messages.ts";
import { message } from "./message-fixture.ts";

/** A promise with its resolver, to hold a `resume` answer until the test lets it go. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * Followed chats over an in-memory connection: each `resume` waits for the test to answer it (`answer`) or
 * fails with `refusal`; what is delivered and every failed attempt are recorded.
 */
function followedChats(refusal?: () => Error) {
  const resumes: { chats: ResumeRequest["chats"]; answer: (data: ResumeData) => void }[] = [];
  const delivered: number[] = [];
  const failures: CatchUpFailure[] = [];
  const chats = new FollowedChats({
    transport: {
      resume: async (asked) => {
        if (refusal) throw refusal();
        const answer = deferred<ResumeData>();
        resumes.push({ chats: asked, answer: answer.resolve });
        return answer.promise;
      },
      subscribe: async () => {},
      nextPage: async () => [],
    },
    retry: { attempts: 3, firstDelayMs: 1, maxDelayMs: 1 },
    failed: (failure) => failures.push(failure),
    deliver: (next) => delivered.push(next.id),
  });
  /** Resolves once a `resume` has been asked (the fetcher batches a connection's chats a macrotask later). */
  const resumeAsked = async () => {
    while (resumes.length === 0) await new Promise((resolve) => setImmediate(resolve));
    return resumes.shift() as (typeof resumes)[number];
  };
  return { chats, delivered, failures, resumeAsked };
}

describe("followed chats (the SDK's and the web page's catch-up state)", () => {
  it("a live message that arrives during a chat's catch-up is delivered after the gap's messages", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    const resume = await resumeAsked();
    chats.receive(message("c", 13));
    assert.deepEqual(delivered, [], "held while the gap is fetched");
    resume.answer({ chats: [{ chat: "c", messages: [message("c", 11), message("c", 12)], more: false }] });
    assert.deepEqual(await chats.catchUp("c"), { kind: "done" });
    assert.deepEqual(delivered, [11, 12, 13]);
  });

  it("a message already delivered is not delivered again, from a page or a live event", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    (await resumeAsked()).answer({ chats: [{ chat: "c", messages: [message("c", 11)], more: false }] });
    await chats.catchUp("c");
    chats.receive(message("c", 11));
    chats.receive(message("c", 12));
    assert.deepEqual(delivered, [11, 12]);
  });

  it("a disconnect cancels the catch-up and drops the held live messages: the next connection fetches them", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    const first = await resumeAsked();
    chats.receive(message("c", 12));
    chats.disconnected();
    first.answer({ chats: [{ chat: "c", messages: [message("c", 11)], more: false }] });
    assert.equal(chats.lastId("c"), 10, "nothing of a cancelled run moves the chat's place");
    chats.connected();
    const second = await resumeAsked();
    assert.deepEqual(second.chats, [{ chat: "c", id: 10 }]);
    second.answer({ chats: [{ chat: "c", messages: [message("c", 11), message("c", 12)], more: false }] });
    assert.deepEqual(await chats.catchUp("c"), { kind: "done" });
    assert.deepEqual(delivered, [11, 12]);
  });

  it("a catch-up that gave up keeps the chat's place: live messages after it are not delivered", async () => {
    const { chats, delivered, failures } = followedChats(() => new CertchatApiError("GetChatsError"));
    chats.follow("c", 10);
    chats.connected();
    const end = await chats.catchUp("c");
    assert.equal(end.kind, "failed");
    assert.deepEqual(
      failures.map(({ chat, retrying }) => ({ chat, retrying })),
      [{ chat: "c", retrying: false }],
      "a refusal no retry changes ends the run at once",
    );
    chats.receive(message("c", 11));
    assert.deepEqual(delivered, []);
    chats.follow("c", 20);
    assert.equal(chats.lastId("c"), 10, "its place does not move past the gap it has not fetched");
  });

  it("a forgotten chat delivers nothing more, even from its catch-up's answer", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    const resume = await resumeAsked();
    const run = chats.catchUp("c");
    chats.forget("c");
    resume.answer({ chats: [{ chat: "c", messages: [message("c", 11)], more: false }] });
    await run; // the barrier: the run has handled its answer
    chats.receive(message("c", 12));
    assert.deepEqual(delivered, []);
    assert.equal(chats.has("c"), false);
  });

  it("a run replaced by following the chat anew delivers nothing: the new place's gap comes first", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 100);
    chats.connected();
    const old = await resumeAsked();
    const oldRun = chats.catchUp("c");
    chats.forget("c");
    chats.follow("c", 10);
    const newRun = chats.catchUp("c");
    const renewed = await resumeAsked();
    assert.deepEqual(renewed.chats, [{ chat: "c", id: 10 }]);
    old.answer({ chats: [{ chat: "c", messages: [message("c", 101)], more: false }] });
    await oldRun; // the barrier: the replaced run has handled its answer
    renewed.answer({ chats: [{ chat: "c", messages: [message("c", 11), message("c", 101)], more: false }] });
    assert.deepEqual(await newRun, { kind: "done" });
    assert.deepEqual(delivered, [11, 101]);
  });

  it("following a chat again moves its place forward, never back, once it is caught up", async () => {
    const { chats, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    (await resumeAsked()).answer({ chats: [{ chat: "c", messages: [], more: false }] });
    await chats.catchUp("c");
    assert.equal(chats.follow("c", 15), false, "already followed");
    assert.equal(chats.lastId("c"), 15);
    chats.follow("c", 12);
    assert.equal(chats.lastId("c"), 15);
  });

  it("following a chat again while its gap is fetched keeps its place: the gap is delivered", async () => {
    const { chats, delivered, resumeAsked } = followedChats();
    chats.follow("c", 10);
    chats.connected();
    const resume = await resumeAsked();
    chats.follow("c", 50);
    resume.answer({ chats: [{ chat: "c", messages: [message("c", 11), message("c", 12)], more: false }] });
    assert.deepEqual(await chats.catchUp("c"), { kind: "done" });
    assert.deepEqual(delivered, [11, 12]);
  });
});
