import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pino from "pino";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import type { MessagePublisher, PublishOptions } from "../../../src/server/services/message-publisher.ts";
import { MessageService } from "../../../src/server/services/messages.ts";
import { type Identity, SessionService } from "../../../src/server/services/sessions.ts";
import { openStorage, type Storage } from "../../../src/server/storage/database.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { findMessageById } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, member, now } from "../storage/repositories/fixtures.ts";

/** One publish as the service made it: what was announced, and what the caller knew then. */
interface Announcement {
  message: Message;
  options?: PublishOptions;
  /** Whether `send` had already resolved (the caller's answer goes first). */
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
    service = new MessageService({
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
    });
  });
  after(async () => {
    await writer.close();
    await reader.close();
  });

  test("a sent message is announced once, after the answer, when another connection already sees it", async () => {
    announced.length = 0;
    const message = await sendAndAnnounce("hello", undefined, { exceptSocketId: "socket-1" });
    assert.equal(announced.length, 1);
    const [announcement] = announced;
    assert.ok(announcement);
    assert.equal(announcement.message, message);
    assert.deepEqual(announcement.options, { exceptSocketId: "socket-1" });
    assert.equal(announcement.afterAnswer, true);
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
});
