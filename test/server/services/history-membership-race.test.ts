import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { ChatRights, type ReaderView } from "../../../src/server/services/chat-rights.ts";
import { MessageService } from "../../../src/server/services/messages.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { deleteMember } from "../../../src/server/storage/repositories/chats.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, message, now } from "../storage/repositories/fixtures.ts";
import { type Person, person, silent } from "./membership-fixtures.ts";

const tempDir = useTempDir("certchat-history-membership-race-");

const memberOf = (one: Person): Member => ({
  profileId: one.pid,
  certificateId: one.cid,
  sessionId: one.identity.session.id,
});

describeEachBackend("MessageService.history and a membership ended during the request", (storage) => {
  let writer: MessageWriter;
  let blobs: FileSystemBlobStore;

  before(async () => {
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    blobs = new FileSystemBlobStore(await tempDir());
  });
  after(async () => {
    await writer.close();
  });

  /** The service, whose membership read is followed by `meanwhile` before the page is read (the race). */
  const serviceWith = (meanwhile: () => Promise<void>) => {
    const rights = new ChatRights(storage().db);
    const read = rights.requireReader.bind(rights);
    rights.requireReader = async (profileId: number, chatId: string): Promise<ReaderView> => {
      const view = await read(profileId, chatId);
      await meanwhile();
      return view;
    };
    return new MessageService({
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
  };

  // docs/CRYPTO.md: a member that left keeps the old epoch's key until the next rotation, and "cannot fetch"
  // the messages sent meanwhile from the server. Its `messages` request read its membership, the leave and a
  // later message committed, then the page statement ran without asking again.
  test("a page read after the reader's leave committed holds nothing sent after the leave", async () => {
    const leaver = await person(storage());
    const stayer = await person(storage());
    const chat = await chatOf(storage(), memberOf(stayer), [memberOf(leaver)]);
    const before = await insertMessage(storage().db, message(chat, memberOf(stayer)));
    const service = serviceWith(async () => {
      await deleteMember(storage().db, chat, leaver.pid);
      await insertMessage(storage().db, message(chat, memberOf(stayer)));
    });
    const page = await service.history(leaver.identity, { token: "", chat });
    assert.ok(
      page.every((one) => one.id <= before),
      `ids ${page.map((one) => one.id)} read after the leave`,
    );
  });
});
