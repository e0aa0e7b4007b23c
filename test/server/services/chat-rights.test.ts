import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import { insertChatMembers, MemberRole } from "../../../src/server/storage/repositories/chats.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { chatOf, type Member, member, now, YEAR_MS } from "../storage/repositories/fixtures.ts";

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
    const reads: string[] = [];
    const counting = new ChatRights(
      storage().db.withPlugin({
        transformQuery: (args) => {
          reads.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
    );
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
    const reads: string[] = [];
    const rights = new ChatRights(
      storage().db.withPlugin({
        transformQuery: (args) => {
          reads.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
      2,
    );
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now); // 2 reads, both kept
    await rights.requirePoster(owner.profileId, channel, owner.certificateId, now); // 1 read, evicts the group entry
    // The group again: its membership is read (evicting the cid), then the cid.
    await rights.requirePoster(owner.profileId, group, owner.certificateId, now);
    assert.equal(reads.length, 5);
  });

  test("requireMember admits any member, channel readers included, and remembers it", async () => {
    const reads: string[] = [];
    const rights = new ChatRights(
      storage().db.withPlugin({
        transformQuery: (args) => {
          reads.push(args.node.kind);
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
    );
    await rights.requireMember(other.profileId, channel);
    await rights.requireMember(other.profileId, channel);
    assert.equal(reads.length, 1);
    await assert.rejects(rights.requireMember(other.profileId, group), refusedWith("GetChatsError"));
  });
});
