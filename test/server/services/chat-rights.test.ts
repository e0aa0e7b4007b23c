import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { Kysely } from "kysely";
import { ApiError } from "../../../src/protocol/errors.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import { MessageService } from "../../../src/server/services/messages.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { insertChatMembers, MemberRole } from "../../../src/server/storage/repositories/chats.ts";
import type { Database } from "../../../src/server/storage/schema.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, member, now, YEAR_MS } from "../storage/repositories/fixtures.ts";
import { createChat, now as fixtureNow, person, silent } from "./membership-fixtures.ts";

const tempDir = useTempDir("certchat-rights-");

/**
 * ChatRights over a database that counts the statements it runs (at their results: hot statements are compiled
 * once, so a plugin sees their query only the first time).
 */
function countingReads(db: Kysely<Database>, capacity?: number): { rights: ChatRights; reads: unknown[] } {
  const reads: unknown[] = [];
  const counted = db.withPlugin({
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      reads.push(args.queryId);
      return args.result;
    },
  });
  return { rights: new ChatRights(counted, capacity), reads };
}

function refusedWith(code: string) {
  return (error: unknown) => error instanceof ApiError && error.code === code;
}

describeEachBackend("ChatRights", (storage) => {
  let owner: Member;
  let other: Member;
  let group: string;
  let channel: string;
  before(async () => {
    owner = await member(storage(), "rights-owner", "79990004001");
    other = await member(storage(), "rights-other", "79990004002");
    group = await chatOf(storage(), owner, []);
    channel = await chatOf(storage(), owner, [other], 2);
  });

  test("a member posts with its own certificate; the answer is then remembered", async () => {
    const { rights: counting, reads } = countingReads(storage().db);
    await counting.requirePoster(owner.profileId, group, owner.certificateId, now);
    await counting.requirePoster(owner.profileId, group, owner.certificateId, now);
    assert.equal(reads.length, 2); // membership and certificate, the first time only
  });

  test("a non-member, a foreign certificate and a channel member who may not post are refused", async () => {
    const rights = new ChatRights(storage().db);
    await assert.rejects(
      rights.requirePoster(other.profileId, group, other.certificateId, now),
      refusedWith("GetChatsError"),
    );
    await assert.rejects(
      rights.requirePoster(owner.profileId, group, other.certificateId, now),
      refusedWith("InvalidCertificate"),
    );
    await assert.rejects(
      rights.requirePoster(other.profileId, channel, other.certificateId, now),
      refusedWith("GetChatsError"),
    );
    await rights.requirePoster(owner.profileId, channel, owner.certificateId, now);
  });

  test("a cid past its notAfter is refused with CertificateExpired, also after it was remembered", async () => {
    const rights = new ChatRights(storage().db);
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now);
    await assert.rejects(
      rights.requirePoster(owner.profileId, group, owner.certificateId, now + YEAR_MS + 1),
      refusedWith("CertificateExpired"),
    );
    await assert.rejects(
      new ChatRights(storage().db).requirePoster(
        owner.profileId,
        group,
        owner.certificateId,
        now + YEAR_MS + 1,
      ),
      refusedWith("CertificateExpired"),
    );
  });

  test("a refusal is not remembered: a member added later posts at once", async () => {
    const rights = new ChatRights(storage().db);
    const later = await chatOf(storage(), owner, []);
    await assert.rejects(
      rights.requirePoster(other.profileId, later, other.certificateId, now),
      refusedWith("GetChatsError"),
    );
    await insertChatMembers(storage().db, [
      { chat_id: later, profile_id: other.profileId, role: MemberRole.member, joined_at: now },
    ]);
    await rights.requirePoster(other.profileId, later, other.certificateId, now);
  });

  test("beyond its capacity the oldest answers are checked again", async () => {
    const { rights, reads } = countingReads(storage().db, 2);
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now); // 2 reads, both kept
    await rights.requirePoster(owner.profileId, channel, owner.certificateId, now); // 1 read, evicts the group entry
    // The group again: its membership is read (evicting the cid), then the cid.
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now);
    assert.equal(reads.length, 5);
  });

  test("requireMember admits any member, channel readers included, and reads the membership every time", async () => {
    const { rights, reads } = countingReads(storage().db);
    await rights.requireMember(other.profileId, channel);
    await rights.requireMember(other.profileId, channel);
    assert.equal(reads.length, 2);
    await assert.rejects(rights.requireMember(other.profileId, group), refusedWith("GetChatsError"));
  });

  test("forget drops the post hint: the next check reads the membership again", async () => {
    const { rights, reads } = countingReads(storage().db);
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now);
    rights.forget(owner.profileId, group);
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now);
    assert.equal(reads.length, 3); // membership, certificate, membership again
  });
});

describeEachBackend("ChatRights' post hint and the insert trigger", (storage) => {
  test("a removed member's hint still admits the pre-check, the trigger refuses the send and the hint goes", async () => {
    const owner = await person(storage());
    const removed = await person(storage());
    const chat = await createChat(storage(), owner, [removed]);
    const rights = new ChatRights(storage().db);
    const writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    try {
      const messages = new MessageService({
        db: storage().db,
        blobs: new FileSystemBlobStore(await tempDir()),
        writer,
        publisher: { publish() {} },
        rights,
        clock: () => fixtureNow,
        logger: silent,
        maxTextBytes: 1024,
        maxFileBytes: 1024,
        maxCmsBytes: 1024,
        maxPageBytes: 1_000_000,
      });
      const send = () => messages.send(removed.identity, { chat, cid: removed.cid, text: "eA==" });
      await send();
      // Removed behind the hint's back (as by another node): the hint still says yes.
      await storage()
        .db.deleteFrom("chat_members")
        .where("chat_id", "=", chat)
        .where("profile_id", "=", removed.pid)
        .execute();
      await rights.requirePoster(removed.pid, chat, removed.cid, fixtureNow);
      await assert.rejects(send(), refusedWith("GetChatsError"));
      // The refusal dropped the hint: the pre-check reads the membership and refuses by itself.
      await assert.rejects(
        rights.requirePoster(removed.pid, chat, removed.cid, fixtureNow),
        refusedWith("GetChatsError"),
      );
    } finally {
      await writer.close();
    }
  });
});
