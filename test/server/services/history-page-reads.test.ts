import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { KyselyPlugin } from "kysely";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, message } from "../storage/repositories/fixtures.ts";
import {
  BUDGET,
  CMS,
  FieldCharactersRead,
  MESSAGE_CHARACTERS,
  serviceReading as readingService,
} from "./field-characters-read.ts";
import { type Person, person } from "./membership-fixtures.ts";

const tempDir = useTempDir("certchat-history-page-reads-");

describeEachBackend("MessageService.history reads", (storage) => {
  let reader: Person;
  let writer: MessageWriter;
  let blobs: FileSystemBlobStore;
  let chat: string;
  const ids: number[] = [];

  const serviceReading = (plugin: KyselyPlugin) => readingService(storage().db, plugin, { blobs, writer });

  before(async () => {
    reader = await person(storage());
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    blobs = new FileSystemBlobStore(await tempDir());
    const sender: Member = {
      profileId: reader.pid,
      certificateId: reader.cid,
      sessionId: reader.identity.session.id,
    };
    chat = await chatOf(storage(), sender, []);
    for (let at = 0; at < 6; at++)
      ids.push(await insertMessage(storage().db, message(chat, sender, { cms: CMS })));
  });
  after(async () => {
    await writer.close();
  });

  // The page was read whole (50 rows) and cut at the budget afterwards: with messages of a 1 MiB signature
  // each, ~72 MiB reached the process for an 8 MiB answer.
  test("the latest page brings its messages' ciphertexts and signatures up to the page budget and one message more", async () => {
    const counter = new FieldCharactersRead();
    const page = await serviceReading(counter).history(reader.identity, { token: "", chat });
    assert.deepEqual(
      page.map((one) => one.id),
      ids.slice(4),
    );
    assert.ok(
      counter.characters <= BUDGET + MESSAGE_CHARACTERS,
      `${counter.characters} characters read for a ${BUDGET}-byte budget`,
    );
  });

  test("a next page brings its messages' ciphertexts and signatures up to the page budget and one message more", async () => {
    const counter = new FieldCharactersRead();
    const page = await serviceReading(counter).history(reader.identity, {
      token: "",
      chat,
      id: 0,
      rel: "next",
    });
    assert.deepEqual(
      page.map((one) => one.id),
      ids.slice(0, 2),
    );
    assert.ok(
      counter.characters <= BUDGET + MESSAGE_CHARACTERS,
      `${counter.characters} characters read for a ${BUDGET}-byte budget`,
    );
  });
});
