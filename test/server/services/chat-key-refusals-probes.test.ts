/**
 * Review probes for refuseKeys (commit be986a9): ways a malicious member still blocks a waiting certificate's
 * key slot after the recipient refused its bad row. Each test fails while the problem it names is present.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import type { Identity } from "../../../src/server/services/sessions.ts";
import { describeEachBackend } from "../../support/storage.ts";
import {
  addCertificate,
  createChat,
  now,
  type Person,
  person,
  services,
  sessionOf,
  wrapped,
} from "./membership-fixtures.ts";

describeEachBackend("ChatKeysService.refuse probes", (storage) => {
  let owner: Person;
  let renewing: Person;

  before(async () => {
    [owner, renewing] = [await person(storage()), await person(storage())];
  });

  /** renewing's new certificate logs in and waits for epoch 1. */
  async function waitingRenewal(chat: string): Promise<{ renewed: number; session: Identity }> {
    const renewed = await addCertificate(storage(), renewing.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: renewing.pid, since: now })
      .execute();
    return { renewed, session: await sessionOf(storage(), renewing.pid, renewed) };
  }

  const row = (chat: string, cid: number, key: string) => ({
    chatId: chat,
    pid: renewing.pid,
    cid,
    keyId: 1,
    key,
    sign: "c2lnbg==",
  });

  test("a member whose row was refused cannot take the slot again through another certificate of its own", async () => {
    // Mallory holds epoch 1 under two certificates (say, a renewal of her own that was served).
    const mallory = await person(storage());
    const second = await addCertificate(storage(), mallory.pid);
    const chat = await createChat(storage(), owner, [mallory, renewing]);
    const mallorySecond = await sessionOf(storage(), mallory.pid, second);
    const { renewed, session } = await waitingRenewal(chat);
    const { keys } = services(storage());

    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    await keys.refuse(session, { token: "", chat, keyIds: [1] });
    // docs/CRYPTO.md / migration 0008: "each member gets one try per recipient and epoch".
    const retaken = await keys.fulfil(mallorySecond, { token: "", keys: [row(chat, renewed, "YWdhaW4=")] });

    assert.deepEqual(retaken, [], "mallory's second certificate took the refused slot again");
  });

  test("a member cannot retake the refused slot with a fresh certificate it served itself", async () => {
    const mallory = await person(storage());
    const chat = await createChat(storage(), owner, [mallory, renewing]);
    const { renewed, session } = await waitingRenewal(chat);
    const { keys } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    await keys.refuse(session, { token: "", chat, keyIds: [1] });

    // A new certificate of mallory's logs in and waits; her first certificate serves it.
    const fresh = await addCertificate(storage(), mallory.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: fresh, profile_id: mallory.pid, since: now })
      .execute();
    await keys.fulfil(mallory.identity, {
      token: "",
      keys: [
        { chatId: chat, pid: mallory.pid, cid: fresh, keyId: 1, key: wrapped(fresh, 1), sign: "c2lnbg==" },
      ],
    });
    const freshSession = await sessionOf(storage(), mallory.pid, fresh);
    const retaken = await keys.fulfil(freshSession, { token: "", keys: [row(chat, renewed, "YWdhaW4=")] });

    assert.deepEqual(retaken, [], "mallory's fresh certificate took the refused slot again");
  });

  /** Epoch 2 for every member's certificate, wrapped by `by` (a rotation built on the current version). */
  async function rotate(chat: string, by: Person, keyId: number): Promise<void> {
    const { membership } = services(storage());
    const data = await membership.members(by.identity, chat);
    await membership.rotate(by.identity, {
      token: "",
      chat,
      keyId,
      version: data.version,
      keys: data.members.flatMap((member) =>
        member.certificates.map((certificate) => ({
          pid: member.pid,
          cid: certificate.id,
          key: wrapped(certificate.id, keyId + 1),
        })),
      ),
    });
  }

  test("a rotation does not end a wait that still lacks a refused older epoch", async () => {
    const mallory = await person(storage());
    const chat = await createChat(storage(), owner, [mallory, renewing]);
    const { renewed, session } = await waitingRenewal(chat);
    const { keys, membership } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    await rotate(chat, owner, 1);
    await keys.refuse(session, { token: "", chat, keyIds: [1] });

    // Before anyone serves epoch 1 again, the owner rotates (a removal, rotationDue).
    await rotate(chat, owner, 2);

    const entry = (await membership.members(owner.identity, chat)).waitList.find(
      (wait) => wait.cid === renewed,
    );
    assert.deepEqual(
      entry?.keyIds,
      [1],
      "the refused epoch is no longer waited for: nobody may serve it now",
    );
  });

  test("a member cannot hold off its own removal by refusing its own current row and being served again", async () => {
    const mallory = await person(storage());
    const chat = await createChat(storage(), owner, [mallory, renewing]);
    const { keys, membership } = services(storage());
    // The owner builds mallory's removal on the current version.
    const data = await membership.members(owner.identity, chat);
    const removal = {
      token: "",
      chat,
      pid: mallory.pid,
      keyId: 1,
      version: data.version,
      keys: data.members
        .filter((member) => member.pid !== mallory.pid)
        .flatMap((member) =>
          member.certificates.map((certificate) => ({
            pid: member.pid,
            cid: certificate.id,
            key: wrapped(certificate.id, 2),
          })),
        ),
    };

    // Meanwhile mallory gives back her own good row; an honest member's client serves her at once. She can do
    // this once per other key holder and epoch, for free (no new certificate needed).
    await keys.refuse(mallory.identity, { token: "", chat, keyIds: [1] });
    await keys.fulfil(renewing.identity, {
      token: "",
      keys: [
        {
          chatId: chat,
          pid: mallory.pid,
          cid: mallory.cid,
          keyId: 1,
          key: wrapped(mallory.cid, 1),
          sign: "c2lnbg==",
        },
      ],
    });

    // Her certificate does not matter to her own removal, which covers every remaining holder.
    const after = await membership.remove(owner.identity, removal);
    assert.equal(after.keyId, 2);
  });

  test("a channel subscriber does not learn another subscriber from a refused wrapper", async () => {
    const [subscriber, other] = [await person(storage()), await person(storage())];
    const chat = await createChat(storage(), owner, [subscriber, other], ChatType.channel);
    // The owner's renewed certificate waits; a subscriber (who sees staff waits) serves it, and it is refused.
    const renewed = await addCertificate(storage(), owner.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: owner.pid, since: now })
      .execute();
    const { keys, membership } = services(storage());
    await keys.fulfil(subscriber.identity, {
      token: "",
      keys: [{ chatId: chat, pid: owner.pid, cid: renewed, keyId: 1, key: "Ym9ndXM=", sign: "c2lnbg==" }],
    });
    await keys.refuse(await sessionOf(storage(), owner.pid, renewed), { token: "", chat, keyIds: [1] });

    const seen = (await membership.members(other.identity, chat)).waitList.flatMap((entry) => entry.refused);
    assert.ok(
      !seen.some((refusal) => refusal.pid === subscriber.pid),
      `subscriber ${other.pid} sees subscriber ${subscriber.pid} in ${JSON.stringify(seen)}`,
    );
  });

  test("a refusal racing the refuser's removal leaves no wait, row or refusal error behind", async () => {
    for (let round = 0; round < 5; round += 1) {
      const mallory = await person(storage());
      const chat = await createChat(storage(), owner, [mallory, renewing]);
      const { keys, membership } = services(storage());
      const data = await membership.members(owner.identity, chat);
      const removal = membership.remove(owner.identity, {
        token: "",
        chat,
        pid: renewing.pid,
        keyId: 1,
        version: data.version,
        keys: data.members
          .filter((member) => member.pid !== renewing.pid)
          .flatMap((member) =>
            member.certificates.map((certificate) => ({
              pid: member.pid,
              cid: certificate.id,
              key: wrapped(certificate.id, 2),
            })),
          ),
      });
      const refusal = keys.refuse(renewing.identity, { token: "", chat, keyIds: [1] });
      const [removed, refused] = await Promise.allSettled([removal, refusal]);

      assert.equal(removed.status, "fulfilled", String(removed.status === "rejected" && removed.reason));
      if (refused.status === "rejected") assert.match(String(refused.reason), /GetChatsError/);
      const waits = await storage()
        .db.selectFrom("chat_key_waits")
        .select("certificate_id")
        .where("chat_id", "=", chat)
        .where("profile_id", "=", renewing.pid)
        .execute();
      assert.deepEqual(waits, [], "a removed member still waits for a key");
    }
  });
});
