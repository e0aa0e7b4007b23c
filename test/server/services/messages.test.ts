import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pino from "pino";
import type { ApiError } from "../../../src/protocol/errors.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import { FileService } from "../../../src/server/services/files.ts";
import type { MessagePublisher, PublishOptions } from "../../../src/server/services/message-publisher.ts";
import { MessageService, type MessageServiceOptions } from "../../../src/server/services/messages.ts";
import { type Identity, SessionService } from "../../../src/server/services/sessions.ts";
import { openStorage, type Storage } from "../../../src/server/storage/database.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { findMessageById, lastMessageId } from "../../../src/server/storage/repositories/messages.ts";
import { StatementCutter } from "../../support/statement-cutter.ts";
import { describeEachBackend, testDatabaseUrl } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, member, now } from "../storage/repositories/fixtures.ts";
import { createChat, type Person, person, services, silent, wrapped } from "./membership-fixtures.ts";

/** One publish as the service made it: what was announced, and what the caller knew then. */
interface Announcement {
  message: Message;
  options?: PublishOptions;
  /** Whether `send` had already resolved (it must not have: the publisher emits a turn later, after the answer). */
  afterAnswer: boolean;
  /** The row as a second connection saw it at publish time (committed or not). */
  seen: Promise<unknown>;
}

const tempDir = useTempDir("certchat-messages-");

describeEachBackend("MessageService publishes after commit", (storage, target) => {
  let alice: Member;
  let chat: string;
  let identity: Identity;
  let writer: MessageWriter;
  /** A second connection: what it sees is committed. */
  let reader: Storage;
  let serviceOptions: MessageServiceOptions;
  let service: MessageService;
  let answered = false;
  const announced: Announcement[] = [];
  let onAnnounce: (() => void) | undefined;

  const publisher: MessagePublisher = {
    publish(message, options) {
      announced.push({
        message,
        options,
        afterAnswer: answered,
        seen: findMessageById(reader.db, message.id),
      });
      onAnnounce?.();
    },
  };
  /** Sends, marks the answer as given (as a transport would), and waits for the next announcement. */
  async function sendAndAnnounce(text: string, localId?: string, options?: PublishOptions) {
    answered = false;
    const next = new Promise<void>((resolve) => {
      onAnnounce = resolve;
    });
    const message = await service.send(
      identity,
      { chat, cid: alice.certificateId, text: Buffer.from(text).toString("base64"), localId },
      options,
    );
    answered = true;
    await next;
    return message;
  }

  before(async () => {
    alice = await member(storage(), "publish-alice", "79990004001");
    chat = await chatOf(storage(), alice, []);
    await storage()
      .db.updateTable("sessions")
      .set({ confirmed: 1 })
      .where("id", "=", alice.sessionId)
      .execute();
    const sessions = new SessionService(storage().db, () => now, { idleMs: 3_600_000, maxAgeMs: 3_600_000 });
    identity = await sessions.authenticate("token-publish-alice", { requirePhone: true });
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    reader = openStorage(target());
    serviceOptions = {
      db: storage().db,
      blobs: new FileSystemBlobStore(await tempDir()),
      writer,
      publisher,
      rights: new ChatRights(storage().db),
      clock: () => now,
      logger: pino({ level: "silent" }),
      maxTextBytes: 1024,
      maxFileBytes: 1024,
      maxCmsBytes: 1024,
      maxPageBytes: 1_000_000,
    };
    service = new MessageService(serviceOptions);
  });
  after(async () => {
    await writer.close();
    await reader.close();
  });

  test("a sent message is announced once, as its commit resolves (before the answer: the publisher takes its place in the node's emission order and emits a turn later), when another connection already sees it", async () => {
    announced.length = 0;
    const message = await sendAndAnnounce("hello", undefined, { exceptSocketId: "socket-1" });
    assert.equal(announced.length, 1);
    const [announcement] = announced;
    assert.ok(announcement);
    assert.equal(announcement.message, message);
    assert.deepEqual(announcement.options, { exceptSocketId: "socket-1" });
    assert.equal(announcement.afterAnswer, false);
    assert.equal(((await announcement.seen) as { id?: number } | undefined)?.id, message.id);
  });

  test("a refused send announces nothing (the next send's announcement is the only one)", async () => {
    announced.length = 0;
    await assert.rejects(
      service.send(identity, { chat: "no-such-chat", cid: alice.certificateId, text: "eA==" }),
      { code: "GetChatsError" },
    );
    await assert.rejects(service.send(identity, { chat, cid: alice.certificateId }), {
      code: "InvalidSchema",
    });
    const barrier = await sendAndAnnounce("barrier");
    assert.deepEqual(
      announced.map((announcement) => announcement.message.id),
      [barrier.id],
    );
  });

  // "\r\n" and "\t" are dropped as base64 line breaks: such a text decodes to no bytes, like "", which is refused.
  test("a text of line breaks only is refused as no text at all, and nothing is stored", async () => {
    const before = await lastMessageId(storage().db, chat);
    await assert.rejects(service.send(identity, { chat, cid: alice.certificateId, text: "\r\n\t" }), {
      code: "InvalidSchema",
    });
    assert.equal(await lastMessageId(storage().db, chat), before);
  });

  test("a signature or CMS of line breaks only is stored as none, not as an empty signature", async () => {
    const message = await service.send(identity, {
      chat,
      cid: alice.certificateId,
      text: Buffer.from("signed with nothing").toString("base64"),
      sign: "\r\n",
      cms: "\n\t",
    });
    assert.deepEqual([message.sign, message.cms], [null, null]);
    const stored = await findMessageById(reader.db, message.id);
    assert.deepEqual([stored?.sign, stored?.cms], [null, null]);
  });

  test("a send whose commit starts more than maxCommitDelayMs after its file was stored is refused, its file removed", async () => {
    let time = now;
    const blobs = new FileSystemBlobStore(join(await tempDir(), randomUUID()));
    const slow = new MessageService({
      ...serviceOptions,
      blobs,
      clock: () => time,
      maxCommitDelayMs: 60_000,
    });
    const before = await lastMessageId(storage().db, chat);
    const prepared = await slow.prepare(identity, { chat, cid: alice.certificateId, data: "AQID" });
    time += 60_001;
    await assert.rejects(prepared.commit(), { code: "CommonError" });
    assert.equal(await lastMessageId(storage().db, chat), before);
    for await (const page of blobs.list()) assert.deepEqual(page, [], "the file is removed");
  });

  test("a send committed within maxCommitDelayMs of storing its file is stored with it", async () => {
    let time = now;
    const blobs = new FileSystemBlobStore(join(await tempDir(), randomUUID()));
    const timely = new MessageService({
      ...serviceOptions,
      blobs,
      clock: () => time,
      maxCommitDelayMs: 60_000,
    });
    const prepared = await timely.prepare(identity, { chat, cid: alice.certificateId, data: "AQID" });
    time += 60_000;
    const message = await prepared.commit();
    assert.equal((await blobs.open(message.file ?? ""))?.size, 3);
  });

  test("a retry with the same localId is announced again, as the same stored message", async () => {
    announced.length = 0;
    const first = await sendAndAnnounce("once", "retry-1");
    const retry = await sendAndAnnounce("once", "retry-1");
    assert.equal(retry.id, first.id);
    assert.deepEqual(
      announced.map((announcement) => [announcement.message.id, announcement.message.localId]),
      [
        [first.id, "retry-1"],
        [first.id, "retry-1"],
      ],
    );
  });

  test("a send whose commit answer is lost on the way is answered with its stored message, stored once and announced once", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const cutter = new StatementCutter(new URL(testDatabaseUrl));
    const url = await cutter.start(testDatabaseUrl);
    const proxied = openStorage({ kind: "postgres", url, schema: storage().schema });
    const cutWriter = new MessageWriter({ committer: await startMessageCommitter(proxied) });
    t.after(async () => {
      await cutWriter.close();
      await proxied.close();
      await cutter.stop();
    });
    const cutService = new MessageService({ ...serviceOptions, writer: cutWriter });
    announced.length = 0;
    const text = Buffer.from("answer lost").toString("base64");
    // No localId: a retry by the client would store it a second time.
    const cut = cutter.cutNext('insert into "messages"', "before-answer");
    const message = await cutService.send(identity, { chat, cid: alice.certificateId, text });
    await cut;
    const barrier = await sendAndAnnounce("after the lost answer");
    assert.deepEqual(
      announced.map((announcement) => announcement.message.id),
      [message.id, barrier.id],
    );
    const stored = await reader.db.selectFrom("messages").select("id").where("data", "=", text).execute();
    assert.deepEqual(
      stored.map((row) => Number(row.id)),
      [message.id],
    );
  });
});

describeEachBackend("MessageService under key epochs and removal", (storage) => {
  let owner: Person;
  let plain: Person;
  let writer: MessageWriter;
  let blobs: FileSystemBlobStore;
  let rights: ChatRights;
  let service: MessageService;

  const text = (value: string) => Buffer.from(value).toString("base64");

  before(async () => {
    owner = await person(storage());
    plain = await person(storage());
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    blobs = new FileSystemBlobStore(await tempDir());
    rights = new ChatRights(storage().db);
    service = new MessageService({
      db: storage().db,
      blobs,
      writer,
      publisher: { publish() {} },
      rights,
      clock: () => now,
      logger: silent,
      maxTextBytes: 1024,
      maxFileBytes: 1024,
      maxCmsBytes: 1024,
      maxPageBytes: 1_000_000,
    });
  });
  after(async () => {
    await writer.close();
  });

  /** Rotates (or, with `removing`, removes that member) to the next epoch with keys for everyone else. */
  async function nextEpoch(chat: string, removing?: Person) {
    const { membership } = services(storage());
    const data = await membership.members(owner.identity, chat);
    const keys = data.members
      .filter((member) => member.pid !== removing?.pid)
      .flatMap((member) =>
        member.certificates.map((c) => ({ pid: member.pid, cid: c.id, key: wrapped(c.id, data.keyId + 1) })),
      );
    const base = { token: "", chat, keyId: data.keyId, version: data.version, keys };
    return removing
      ? membership.remove(owner.identity, { ...base, pid: removing.pid })
      : membership.rotate(owner.identity, base);
  }

  test("a send without keyId (v1) is labelled with the current epoch, also right after a rotation", async () => {
    const chat = await createChat(storage(), owner, [plain]);
    const first = await service.send(owner.identity, { chat, cid: owner.cid, text: text("one") });
    assert.equal(first.keyId, 1);
    await nextEpoch(chat);
    const second = await service.send(owner.identity, { chat, cid: owner.cid, text: text("two") });
    assert.equal(second.keyId, 2);
    assert.equal((await findMessageById(storage().db, second.id))?.key_id, 2);
  });

  test("a send naming an epoch that is no longer current is ChatKeyOutdated and stores nothing", async () => {
    const chat = await createChat(storage(), owner, [plain]);
    await nextEpoch(chat);
    await assert.rejects(
      service.send(owner.identity, { chat, cid: owner.cid, text: text("old"), keyId: 1 }),
      { code: "ChatKeyOutdated" },
    );
    const stored = await service.send(owner.identity, { chat, cid: owner.cid, text: text("new"), keyId: 2 });
    const page = await service.history(owner.identity, { token: "", chat });
    assert.deepEqual(
      page.map((message) => message.id),
      [stored.id],
    );
  });

  test("a removed member's sends, history, files and keys are refused", async () => {
    const chat = await createChat(storage(), owner, [plain]);
    const withFile = await service.send(plain.identity, { chat, cid: plain.cid, data: text("file bytes") });
    assert.ok(withFile.file);
    await service.history(plain.identity, { token: "", chat });
    await nextEpoch(chat, plain);
    await assert.rejects(service.send(plain.identity, { chat, cid: plain.cid, text: text("x") }), {
      code: "GetChatsError",
    });
    await assert.rejects(service.history(plain.identity, { token: "", chat }), { code: "GetChatsError" });
    await assert.rejects(new FileService(storage().db, blobs).open(plain.identity, chat, withFile.file), {
      code: "GetChatsError",
    });
    await assert.rejects(services(storage()).keys.keys(plain.identity, { token: "", chat }), {
      code: "GetChatsError",
    });
  });

  test("a next page from the chat's last id is empty; from the one before, it holds the last message", async () => {
    const chat = await createChat(storage(), owner, [plain]);
    const first = await service.send(owner.identity, { chat, cid: owner.cid, text: text("first") });
    const last = await service.send(owner.identity, { chat, cid: owner.cid, text: text("last") });
    const next = (id: number) => service.history(plain.identity, { token: "", chat, id, rel: "next" });
    assert.deepEqual(await next(last.id), []);
    assert.deepEqual(await next(last.id + 1000), []);
    assert.deepEqual(
      (await next(first.id)).map((message) => message.id),
      [last.id],
    );
  });

  test("a next page from past the chat's last id is still refused to a non-member", async () => {
    const chat = await createChat(storage(), owner, []);
    const stranger = await person(storage());
    await assert.rejects(
      service.history(stranger.identity, { token: "", chat, id: 1_000_000, rel: "next" }),
      { code: "GetChatsError" },
    );
  });

  test("a member added with history now reads no message or file from before its add", async () => {
    const chat = await createChat(storage(), owner, []);
    const early = await service.send(owner.identity, { chat, cid: owner.cid, data: text("early file") });
    const newcomer = await person(storage());
    await services(storage()).membership.add(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
    });
    const later = await service.send(owner.identity, { chat, cid: owner.cid, text: text("later") });
    const page = await service.history(newcomer.identity, { token: "", chat });
    assert.deepEqual(
      page.map((message) => message.id),
      [later.id],
    );
    assert.ok(early.file);
    await assert.rejects(new FileService(storage().db, blobs).open(newcomer.identity, chat, early.file), {
      code: "DataError",
    });
  });

  test("a member added with history now catches up (resume's pages) from its add, whatever id it names", async () => {
    const chat = await createChat(storage(), owner, []);
    await service.send(owner.identity, { chat, cid: owner.cid, text: text("before the add") });
    const newcomer = await person(storage());
    await services(storage()).membership.add(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: newcomer.pid, cid: newcomer.cid, keyId: 1, key: wrapped(newcomer.cid, 1) }],
    });
    const later = await service.send(owner.identity, { chat, cid: owner.cid, text: text("after the add") });
    const bounds = await rights.readerBounds(newcomer.pid, [chat]);
    const visibleAfter = bounds.get(chat) ?? Number.NaN;
    const [page] = await service.catchUpPages(newcomer.pid, [{ chat, id: 0, visibleAfter }]);
    assert.deepEqual(
      page?.messages.map((message) => message.id),
      [later.id],
    );
  });

  test("sends racing a removal never land after it under the old epoch, nor from the removed member", async () => {
    const chat = await createChat(storage(), owner, [plain]);
    const sends = Array.from({ length: 20 }, (_, at) =>
      at % 2 === 0
        ? service.send(plain.identity, { chat, cid: plain.cid, text: text(`p${at}`), keyId: 1 })
        : service.send(owner.identity, { chat, cid: owner.cid, text: text(`o${at}`) }),
    );
    const removal = nextEpoch(chat, plain);
    const outcomes = await Promise.allSettled([...sends, removal]);
    assert.equal(outcomes.at(-1)?.status, "fulfilled");
    const epoch = await storage()
      .db.selectFrom("chat_key_epochs")
      .select("after_message_id")
      .where("chat_id", "=", chat)
      .where("key_id", "=", 2)
      .executeTakeFirstOrThrow();
    const rows = await storage()
      .db.selectFrom("messages")
      .select(["id", "key_id", "profile_id"])
      .where("chat_id", "=", chat)
      .execute();
    for (const row of rows) {
      if (row.id <= epoch.after_message_id) assert.equal(row.key_id, 1, `message ${row.id}`);
      else assert.deepEqual([row.key_id, row.profile_id], [2, owner.pid], `message ${row.id}`);
    }
    // Every refused send was refused with a code the client acts on.
    for (const outcome of outcomes) {
      if (outcome.status === "rejected")
        assert.ok(["GetChatsError", "ChatKeyOutdated"].includes((outcome.reason as ApiError).code));
    }
  });
});
