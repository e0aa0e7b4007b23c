import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KyselyPlugin } from "kysely";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, member, message } from "../storage/repositories/fixtures.ts";
import {
  BUDGET,
  CMS,
  FieldCharactersRead,
  MESSAGE_CHARACTERS,
  serviceReading as readingService,
} from "./field-characters-read.ts";

const tempDir = useTempDir("certchat-catch-up-pages-");

describeEachBackend("MessageService.catchUpPages reads", (storage) => {
  let reader: Member;
  let writer: MessageWriter;
  let blobs: FileSystemBlobStore;
  const chats: string[] = [];

  const serviceReading = (plugin: KyselyPlugin) => readingService(storage().db, plugin, { blobs, writer });

  before(async () => {
    reader = await member(storage(), "catch-up-reader", "79990006001");
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    blobs = new FileSystemBlobStore(await tempDir());
    for (let chat = 0; chat < 3; chat++) {
      const id = await chatOf(storage(), reader, []);
      for (let at = 0; at < 6; at++) await insertMessage(storage().db, message(id, reader, { cms: CMS }));
      chats.push(id);
    }
  });
  after(async () => {
    await writer.close();
  });

  // Each chat's page was read whole, ten chats a statement, though the budget stops the answer in the first:
  // with messages of a 1 MiB signature each, ~740 MiB reached the process for an 8 MiB answer.
  test("a resume's pages bring its messages' ciphertexts and signatures up to the page budget and one message more", async () => {
    const counter = new FieldCharactersRead();
    const service = await serviceReading(counter);
    const pages = await service.catchUpPages(
      reader.profileId,
      chats.map((chat) => ({ chat, id: 0, visibleAfter: 0 })),
    );
    assert.deepEqual(
      pages.map((page) => [page.messages.length, page.more]),
      [
        [2, true],
        [0, true],
        [0, true],
      ],
    );
    assert.ok(
      counter.characters <= BUDGET + MESSAGE_CHARACTERS,
      `${counter.characters} characters read for a ${BUDGET}-byte budget`,
    );
  });

  // The chats after a page cut by the budget answered `more` unread; those of the same statement were read,
  // and one with nothing new sent its client to page for nothing.
  test("after a page cut by the budget, a chat read in the same statement with nothing new answers more false", async () => {
    const caughtUp = await chatOf(storage(), reader, []);
    const last = await insertMessage(storage().db, message(caughtUp, reader));
    const service = await serviceReading(new FieldCharactersRead());
    const pages = await service.catchUpPages(reader.profileId, [
      { chat: chats[0] ?? "", id: 0, visibleAfter: 0 },
      { chat: caughtUp, id: last, visibleAfter: 0 },
      { chat: chats[1] ?? "", id: 0, visibleAfter: 0 },
    ]);
    assert.deepEqual(
      pages.map((page) => [page.messages.length, page.more]),
      [
        [2, true],
        [0, false],
        [0, true],
      ],
    );
  });
});
