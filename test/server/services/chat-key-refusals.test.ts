/**
 * refuseKeys (docs/CRYPTO.md "Refused key rows"): a member's bad row cannot hold a waiting certificate's slot.
 * The recipient gives its own row back, waits again, and the wrapper it refused cannot serve it that epoch again.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
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

describeEachBackend("ChatKeysService.refuse", (storage) => {
  let owner: Person;
  let mallory: Person;
  let renewing: Person;

  before(async () => {
    [owner, mallory, renewing] = [await person(storage()), await person(storage()), await person(storage())];
  });

  /** A group of the three at epoch 1; renewing's new certificate logs in and waits for its key. */
  async function renewal(): Promise<{ chat: string; renewed: number; session: Identity }> {
    const chat = await createChat(storage(), owner, [mallory, renewing]);
    const renewed = await addCertificate(storage(), renewing.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: renewing.pid, since: now })
      .execute();
    return { chat, renewed, session: await sessionOf(storage(), renewing.pid, renewed) };
  }

  const row = (chat: string, cid: number, key = wrapped(cid, 1)) => ({
    chatId: chat,
    pid: renewing.pid,
    cid,
    keyId: 1,
    key,
    sign: "c2lnbg==",
  });

  const waitList = async (chat: string) =>
    (await services(storage()).membership.members(owner.identity, chat)).waitList;

  test("the recipient's refused row is deleted and its certificate waits again, naming the refused wrapper", async () => {
    const { chat, renewed, session } = await renewal();
    const { keys, events } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    assert.deepEqual(await waitList(chat), []);

    const refused = await keys.refuse(session, { token: "", chat, keyIds: [1] });

    assert.deepEqual(refused, [{ keyId: 1, wrappedBy: mallory.cid }]);
    assert.deepEqual(await keys.keys(session, { token: "", chat }), []);
    const [entry] = await waitList(chat);
    assert.equal(entry?.cid, renewed);
    assert.deepEqual(entry?.keyIds, [1]);
    assert.deepEqual(entry?.refused, [{ keyId: 1, pid: mallory.pid }]);
    assert.ok(events.of(chat).includes("waitListChanged"));
  });

  test("the refused wrapper cannot take the slot again; another member's row is stored", async () => {
    const { chat, renewed, session } = await renewal();
    const { keys } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    await keys.refuse(session, { token: "", chat, keyIds: [1] });

    assert.deepEqual(
      await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "YWdhaW4=")] }),
      [],
    );
    assert.deepEqual(await keys.fulfil(owner.identity, { token: "", keys: [row(chat, renewed)] }), [
      { chatId: chat, keyId: 1, cid: renewed },
    ]);
    const [held] = await keys.keys(session, { token: "", chat });
    assert.equal(held?.key, wrapped(renewed, 1));
    assert.deepEqual(await waitList(chat), []);
  });

  test("a refused older epoch waits while the current one is held, and the wait ends once it is served", async () => {
    const { chat, renewed, session } = await renewal();
    const { keys, membership } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
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

    await keys.refuse(session, { token: "", chat, keyIds: [1] });
    assert.deepEqual(
      (await waitList(chat)).map((entry) => entry.keyIds),
      [[1]],
    );

    await keys.fulfil(owner.identity, { token: "", keys: [row(chat, renewed)] });
    assert.deepEqual(await waitList(chat), []);
    assert.deepEqual(
      (await keys.keys(session, { token: "", chat })).map((held) => held.keyId),
      [1, 2],
    );
  });

  test("only the session certificate's own rows are refused: another member's key stays", async () => {
    const { chat } = await renewal();
    const { keys } = services(storage());
    assert.deepEqual(await keys.refuse(mallory.identity, { token: "", chat, keyIds: [1] }), [
      { keyId: 1, wrappedBy: owner.cid },
    ]);
    assert.equal((await keys.keys(owner.identity, { token: "", chat })).length, 1);
    assert.equal((await keys.keys(renewing.identity, { token: "", chat })).length, 1);
  });

  test("an epoch without a row refuses nothing and changes nothing", async () => {
    const { chat, session } = await renewal();
    const { keys, events } = services(storage());
    const before = await waitList(chat);
    assert.deepEqual(await keys.refuse(session, { token: "", chat, keyIds: [1, 7] }), []);
    assert.deepEqual(await waitList(chat), before);
    assert.deepEqual(events.of(chat), []);
  });

  test("a non-member is refused with GetChatsError", async () => {
    const { chat } = await renewal();
    const outsider = await person(storage());
    await assert.rejects(
      services(storage()).keys.refuse(outsider.identity, { token: "", chat, keyIds: [1] }),
      (error: unknown) => error instanceof ApiError && error.code === "GetChatsError",
    );
  });

  test("an unknown chat is refused with GetChatsError", async () => {
    await assert.rejects(
      services(storage()).keys.refuse(owner.identity, { token: "", chat: "no-such-chat", keyIds: [1] }),
      (error: unknown) => error instanceof ApiError && error.code === "GetChatsError",
    );
  });

  test("a refusal is written to the audit log", async () => {
    const { chat, renewed, session } = await renewal();
    const { keys } = services(storage());
    await keys.fulfil(mallory.identity, { token: "", keys: [row(chat, renewed, "Ym9ndXM=")] });
    await keys.refuse(session, { token: "", chat, keyIds: [1] });
    const audit = await storage()
      .db.selectFrom("audit_events")
      .selectAll()
      .where("type", "=", "chat.key.refused")
      .where("chat_id", "=", chat)
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]?.certificate_id, renewed);
    assert.deepEqual(JSON.parse(audit[0]?.details ?? "{}"), { rows: [[1, mallory.cid]] });
  });
});
