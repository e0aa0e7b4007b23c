import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { describeEachBackend } from "../../support/storage.ts";
import {
  addCertificate,
  createChat,
  now,
  type Person,
  person,
  services,
  wrapped,
} from "./membership-fixtures.ts";

function refusedWith(code: string) {
  return (error: unknown) => error instanceof ApiError && error.code === code;
}

describeEachBackend("ChatKeysService", (storage) => {
  let owner: Person;
  let renewing: Person;
  let outsider: Person;

  before(async () => {
    owner = await person(storage());
    renewing = await person(storage());
    outsider = await person(storage());
  });

  /** A group of owner and renewing at epoch 2 (both hold both epochs), and a renewed certificate waiting. */
  async function renewal(): Promise<{ chat: string; renewed: number }> {
    const chat = await createChat(storage(), owner, [renewing]);
    const { membership } = services(storage());
    const data = await membership.members(owner.identity, chat);
    await membership.rotate(owner.identity, {
      token: "",
      chat,
      keyId: 1,
      version: data.version,
      keys: data.members.flatMap((member) =>
        member.certificates.map((certificate) => ({
          pid: member.pid,
          cid: certificate.id,
          key: wrapped(certificate.id, 2),
        })),
      ),
    });
    const renewed = await addCertificate(storage(), renewing.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: renewing.pid, since: now })
      .execute();
    return { chat, renewed };
  }

  function rows(chat: string, cid: number, keyIds: number[], pid = renewing.pid) {
    return keyIds.map((keyId) => ({
      chatId: chat,
      pid,
      cid,
      keyId,
      key: wrapped(cid, keyId),
      sign: "c2lnbg==",
    }));
  }

  test("a member fulfils every epoch of a waiting certificate: stored, off the wait list, keys announced", async () => {
    const { chat, renewed } = await renewal();
    const { keys, events } = services(storage());
    const stored = await keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [1, 2]) });
    assert.deepEqual(stored, [
      { chatId: chat, keyId: 1, cid: renewed },
      { chatId: chat, keyId: 2, cid: renewed },
    ]);
    assert.deepEqual((await services(storage()).membership.members(owner.identity, chat)).waitList, []);
    assert.deepEqual(events.of(chat), ["keysAdded", "waitListChanged"]);
    const announced = events.events.find((event) => event.kind === "keysAdded");
    assert.deepEqual(announced?.kind === "keysAdded" && announced.byProfile.get(renewing.pid), {
      chatId: chat,
      keyId: 2,
      keys: [
        { cid: renewed, keyId: 1 },
        { cid: renewed, keyId: 2 },
      ],
    });
  });

  test("a keyId left out means the current epoch", async () => {
    const { chat, renewed } = await renewal();
    const [row] = rows(chat, renewed, [2]);
    assert.ok(row);
    const { keyId: _current, ...withoutKeyId } = row;
    const stored = await services(storage()).keys.fulfil(owner.identity, { token: "", keys: [withoutKeyId] });
    assert.deepEqual(stored, [{ chatId: chat, keyId: 2, cid: renewed }]);
  });

  test("rows for a certificate already served are skipped, not refused (members race to fulfil)", async () => {
    const { chat, renewed } = await renewal();
    const { keys } = services(storage());
    await keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [2]) });
    assert.deepEqual(
      await keys.fulfil(renewing.identity, { token: "", keys: rows(chat, renewed, [1, 2]) }),
      [],
    );
  });

  test("rows for a certificate that is not waiting are skipped", async () => {
    const { chat } = await renewal();
    const stored = await services(storage()).keys.fulfil(owner.identity, {
      token: "",
      keys: rows(chat, renewing.cid, [2]),
    });
    assert.deepEqual(stored, []);
  });

  test("a chatsKeys that stores nothing leaves the version, so it cannot outdate a removal", async () => {
    // Fresh people: the others gain certificates in other tests.
    const [admin, bob, mallory] = [await person(storage()), await person(storage()), await person(storage())];
    const chat = await createChat(storage(), admin, [bob, mallory]);
    const { membership, keys } = services(storage());
    const seen = await membership.members(admin.identity, chat);
    // The member about to be removed posts a row for a certificate that is not waiting: skipped.
    const stored = await keys.fulfil(mallory.identity, {
      token: "",
      keys: [{ chatId: chat, pid: admin.pid, cid: admin.cid, keyId: 1, key: wrapped(admin.cid, 1) }],
    });
    assert.deepEqual(stored, []);
    const data = await membership.remove(admin.identity, {
      token: "",
      chat,
      pid: mallory.pid,
      keyId: 1,
      version: seen.version,
      keys: [admin, bob].map((p) => ({ pid: p.pid, cid: p.cid, key: wrapped(p.cid, 2) })),
    });
    assert.equal(data.keyId, 2);
  });

  test("a chatsKeys storing only an older epoch's key leaves the version", async () => {
    const { chat, renewed } = await renewal();
    const { membership, keys } = services(storage());
    const before = (await membership.members(owner.identity, chat)).version;
    await keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [1]) });
    assert.equal((await membership.members(owner.identity, chat)).version, before);
  });

  test("a chatsKeys storing a current-epoch key bumps the version (a new key holder)", async () => {
    const { chat, renewed } = await renewal();
    const { membership, keys } = services(storage());
    const before = (await membership.members(owner.identity, chat)).version;
    await keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [2]) });
    assert.equal((await membership.members(owner.identity, chat)).version, before + 1);
  });

  test("a sign that does not decode as base64 (bad length) is InvalidSchema, and nothing is stored", async () => {
    const { chat, renewed } = await renewal();
    const [row] = rows(chat, renewed, [2]);
    assert.ok(row);
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, { token: "", keys: [{ ...row, sign: "c2lnb" }] }),
      refusedWith("InvalidSchema"),
    );
    assert.deepEqual((await services(storage()).membership.members(owner.identity, chat)).waitList.length, 1);
  });

  test("a cid not of the named profile is CreateChatKeysError", async () => {
    const { chat, renewed } = await renewal();
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, {
        token: "",
        keys: rows(chat, renewed, [2], owner.pid),
      }),
      refusedWith("CreateChatKeysError"),
    );
  });

  // Outside review (attack12): such a row cannot unwrap (static VKO needs the wrapper's key on the recipient's
  // curve), yet it took the certificate off the wait list, so no capable member served it; a v1 client, which
  // cannot refuse rows, then never got the epoch's key.
  test("a row for a certificate the poster's certificate cannot wrap for (another key-agreement group) is CreateChatKeysError, and it still waits", async () => {
    const member = await person(storage());
    const chat = await createChat(storage(), owner, [member]);
    const gost = await addCertificate(storage(), member.pid, { group: "gost2012-256:CryptoPro-A" });
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: gost, profile_id: member.pid, since: now })
      .execute();
    const { keys, membership } = services(storage());
    await assert.rejects(
      keys.fulfil(owner.identity, { token: "", keys: rows(chat, gost, [1], member.pid) }),
      refusedWith("CreateChatKeysError"),
    );
    const waiting = (await membership.members(owner.identity, chat)).waitList.map((entry) => entry.cid);
    assert.deepEqual(waiting, [gost]);
  });

  test("a recipient who is not a member is CreateChatKeysError", async () => {
    const { chat } = await renewal();
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, {
        token: "",
        keys: rows(chat, outsider.cid, [2], outsider.pid),
      }),
      refusedWith("CreateChatKeysError"),
    );
  });

  test("an unknown epoch is CreateChatKeysError", async () => {
    const { chat, renewed } = await renewal();
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [3]) }),
      refusedWith("CreateChatKeysError"),
    );
  });

  test("an epoch before the recipient's first is CreateChatKeysError", async () => {
    const { chat, renewed } = await renewal();
    await storage()
      .db.updateTable("chat_members")
      .set({ first_key_id: 2 })
      .where("chat_id", "=", chat)
      .where("profile_id", "=", renewing.pid)
      .execute();
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [1, 2]) }),
      refusedWith("CreateChatKeysError"),
    );
  });

  test("an epoch the poster's session certificate holds no key of is CreateChatKeysError", async () => {
    const { chat, renewed } = await renewal();
    await storage()
      .db.deleteFrom("chat_keys")
      .where("chat_id", "=", chat)
      .where("certificate_id", "=", owner.cid)
      .where("key_id", "=", 1)
      .execute();
    await assert.rejects(
      services(storage()).keys.fulfil(owner.identity, { token: "", keys: rows(chat, renewed, [1]) }),
      refusedWith("CreateChatKeysError"),
    );
  });

  test("two rows for one (chat, epoch, certificate) are CreateChatKeysError, and nothing is stored", async () => {
    const { chat, renewed } = await renewal();
    const { keys, membership } = services(storage());
    await assert.rejects(
      keys.fulfil(owner.identity, {
        token: "",
        keys: [...rows(chat, renewed, [2]), ...rows(chat, renewed, [2])],
      }),
      refusedWith("CreateChatKeysError"),
    );
    assert.equal((await membership.members(owner.identity, chat)).waitList.length, 1);
  });

  test("a poster who is not a member of a named chat is GetChatsError", async () => {
    const { chat, renewed } = await renewal();
    await assert.rejects(
      services(storage()).keys.fulfil(outsider.identity, { token: "", keys: rows(chat, renewed, [2]) }),
      refusedWith("GetChatsError"),
    );
  });

  test("keys lists the session certificate's epochs ascending, or those asked for", async () => {
    const { chat } = await renewal();
    const { keys } = services(storage());
    const all = await keys.keys(renewing.identity, { token: "", chat });
    assert.deepEqual(
      all.map((row) => [row.keyId, row.key, row.wrappedBy, row.import]),
      [
        [1, wrapped(renewing.cid, 1), owner.cid, false],
        [2, wrapped(renewing.cid, 2), owner.cid, false],
      ],
    );
    assert.deepEqual(
      (await keys.keys(renewing.identity, { token: "", chat, keyIds: [2] })).map((row) => row.keyId),
      [2],
    );
  });

  test("keys leaves out epochs before the member's first", async () => {
    const { chat } = await renewal();
    await storage()
      .db.updateTable("chat_members")
      .set({ first_key_id: 2 })
      .where("chat_id", "=", chat)
      .where("profile_id", "=", renewing.pid)
      .execute();
    const rowsOf = await services(storage()).keys.keys(renewing.identity, { token: "", chat });
    assert.deepEqual(
      rowsOf.map((row) => row.keyId),
      [2],
    );
  });
});
