import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import {
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
} from "../../../support/server.ts";

const DAY = 86_400_000;

async function countRows(server: TestServer, table: "chats" | "chat_members" | "chat_keys" | "messages") {
  const row = await server.server.storage.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function blobCount(server: TestServer): Promise<number> {
  const files = await readdir(join(server.dataDir, "files"), { recursive: true, withFileTypes: true }).catch(
    () => [],
  );
  return files.filter((entry) => entry.isFile()).length;
}

describe("chat error paths", () => {
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  /** A personal chat of Alice and Bob (Carol is not in it). */
  let chat: string;
  let fileMessage: Message;
  const chatKey = newChatKey();

  before(async () => {
    server = await startTestServer({
      env: { ...chatServerEnv, CERTCHAT_MAX_TEXT_BYTES: "1KiB", CERTCHAT_MAX_FILE_BYTES: "4KiB" },
    });
    alice = await chatUser(server, "Алисова Алиса А");
    bob = await chatUser(server, "Бобров Боб Б");
    carol = await chatUser(server, "Карлова Карла К");
    const created = await call<Contact>(server, "/api/createChat/", {
      token: alice.token,
      type: 0,
      keys: keysFor(chatKey, [alice, bob]),
    });
    chat = created.chatId as string;
    fileMessage = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: Buffer.from("file").toString("base64"),
    });
  });
  after(async () => server.close());

  async function expectError(path: string, body: Record<string, unknown>, error: string) {
    const reply = await server.post(path, body);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { success: false, error });
  }

  const text = Buffer.from("ciphertext").toString("base64");

  describe("authorization", () => {
    test("every method needs a token: NeedAuthentication", async () => {
      const file = fileMessage.file;
      await expectError("/api/contacts/", { phones: [] }, "NeedAuthentication");
      await expectError(
        "/api/createChat/",
        { type: 1, name: "G", keys: keysFor(chatKey, [alice]) },
        "NeedAuthentication",
      );
      await expectError("/api/sendMessage/", { chat, cid: alice.cid, text }, "NeedAuthentication");
      await expectError("/api/messages/", { chat }, "NeedAuthentication");
      await expectError("/api/file/", { chat, file }, "NeedAuthentication");
      await expectError("/api/messages/", { token: randomUUID(), chat }, "NeedAuthentication");
    });

    test("a non-member cannot read, post or download: GetChatsError", async () => {
      await expectError("/api/messages/", { token: carol.token, chat }, "GetChatsError");
      await expectError(
        "/api/sendMessage/",
        { token: carol.token, chat, cid: carol.cid, text },
        "GetChatsError",
      );
      await expectError("/api/file/", { token: carol.token, chat, file: fileMessage.file }, "GetChatsError");
    });

    test("an unknown chat is GetChatsError", async () => {
      for (const id of [randomUUID(), "not-a-uuid"]) {
        await expectError("/api/messages/", { token: alice.token, chat: id }, "GetChatsError");
        await expectError(
          "/api/sendMessage/",
          { token: alice.token, chat: id, cid: alice.cid, text },
          "GetChatsError",
        );
        await expectError(
          "/api/file/",
          { token: alice.token, chat: id, file: fileMessage.file },
          "GetChatsError",
        );
      }
    });

    test("contacts never show chats the caller is not in", async () => {
      assert.deepEqual(await call<Contact[]>(server, "/api/contacts/", { token: carol.token }), []);
      const [bobForCarol] = await call<Contact[]>(server, "/api/contacts/", {
        token: carol.token,
        phones: [bob.phone],
      });
      assert.equal(bobForCarol?.pid, bob.pid);
      assert.equal(bobForCarol?.chatId, null);
      assert.equal(bobForCarol?.key, null);
    });

    test("a phone search skips the caller, unknown phones and text that is no phone", async () => {
      const found = await call<Contact[]>(server, "/api/contacts/", {
        token: carol.token,
        phones: [carol.phone, "79000000000", "call me", Number(alice.phone)],
      });
      assert.deepEqual(
        found.map((contact) => contact.pid),
        [alice.pid],
      );
    });

    test("a channel member who is not the owner cannot post: GetChatsError", async () => {
      const channel = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 2,
        name: "Канал",
        keys: keysFor(chatKey, [alice, bob]),
      });
      await expectError(
        "/api/sendMessage/",
        { token: bob.token, chat: channel.chatId, cid: bob.cid, text },
        "GetChatsError",
      );
    });
  });

  describe("createChat", () => {
    async function expectNothingWritten(body: Record<string, unknown>, error: string) {
      const counts = () =>
        Promise.all([
          countRows(server, "chats"),
          countRows(server, "chat_members"),
          countRows(server, "chat_keys"),
        ]);
      const before = await counts();
      await expectError("/api/createChat/", { token: alice.token, ...body }, error);
      assert.deepEqual(await counts(), before);
    }

    test("no key for the creator's own certificate is CreateChatKeysError", async () => {
      await expectNothingWritten(
        { type: 1, name: "G", keys: keysFor(chatKey, [carol]) },
        "CreateChatKeysError",
      );
    });

    test("no key for one of a member's two certificates is CreateChatKeysError", async () => {
      const renewed = await issueUser(server, { name: carol.name, snils: carol.snils });
      // A renewed certificate joins the profile by the SMS code sent to the profile's phone.
      server.clock.advance(61_000);
      await registerPhone(server, await logIn(server, renewed), carol.phone);
      const { certificates } = await call<{ certificates: ChatUser["certificates"] }>(
        server,
        "/api/profile/",
        {
          token: carol.token,
        },
      );
      assert.equal(certificates.length, 2);
      const keys = keysFor(chatKey, [alice, { pid: carol.pid, certificates: certificates.slice(0, 1) }]);
      await expectNothingWritten({ type: 1, name: "G", keys }, "CreateChatKeysError");
      const complete = keysFor(chatKey, [alice, { pid: carol.pid, certificates }]);
      const group = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "G",
        keys: complete,
      });
      assert.equal(group.chatType, 1);
    });

    test("a key whose cid is another profile's certificate is CreateChatKeysError", async () => {
      const keys = [...keysFor(chatKey, [alice]), { pid: bob.pid, cid: carol.cid, key: "AAAA" }];
      await expectNothingWritten({ type: 1, name: "G", keys }, "CreateChatKeysError");
    });

    test("a key for an unknown certificate or profile is CreateChatKeysError", async () => {
      const own = keysFor(chatKey, [alice]);
      await expectNothingWritten(
        { type: 1, name: "G", keys: [...own, { pid: bob.pid, cid: 999_999, key: "AAAA" }] },
        "CreateChatKeysError",
      );
      await expectNothingWritten(
        { type: 1, name: "G", keys: [...own, { pid: 999_999, cid: bob.cid, key: "AAAA" }] },
        "CreateChatKeysError",
      );
    });

    test("two keys for one certificate are CreateChatKeysError", async () => {
      const own = keysFor(chatKey, [alice]);
      await expectNothingWritten({ type: 1, name: "G", keys: [...own, ...own] }, "CreateChatKeysError");
    });

    test("a personal chat with one or three profiles is CreateChatError", async () => {
      await expectNothingWritten({ type: 0, keys: keysFor(chatKey, [alice]) }, "CreateChatError");
      await expectNothingWritten({ type: 0, keys: keysFor(chatKey, [alice, bob, carol]) }, "CreateChatError");
    });

    test("a group or channel without a name is CreateChatError", async () => {
      await expectNothingWritten({ type: 1, keys: keysFor(chatKey, [alice]) }, "CreateChatError");
      await expectNothingWritten({ type: 2, name: "  ", keys: keysFor(chatKey, [alice]) }, "CreateChatError");
    });

    test("a member without a confirmed phone is CreateChatError", async () => {
      const unregistered = await issueUser(server, { name: "Без Телефона Т", snils: "99988877766" });
      await logIn(server, unregistered);
      const row = await server.server.storage.db
        .selectFrom("certificates")
        .select(["id", "profile_id"])
        .orderBy("id", "desc")
        .executeTakeFirstOrThrow();
      const keys = [...keysFor(chatKey, [alice]), { pid: row.profile_id, cid: row.id, key: "AAAA" }];
      await expectNothingWritten({ type: 1, name: "G", keys }, "CreateChatError");
    });

    test("a key that is not base64, an unknown type or no keys is InvalidSchema", async () => {
      const own = keysFor(chatKey, [alice]);
      await expectNothingWritten({ type: 1, name: "G", keys: [{ ...own[0], key: "***" }] }, "InvalidSchema");
      await expectNothingWritten({ type: 3, name: "G", keys: own }, "InvalidSchema");
      await expectNothingWritten({ type: 1, name: "G", keys: [] }, "InvalidSchema");
    });
  });

  describe("sendMessage", () => {
    async function expectNothingSent(body: Record<string, unknown>, error: string) {
      const before = [await countRows(server, "messages"), await blobCount(server)];
      await expectError("/api/sendMessage/", { token: alice.token, chat, cid: alice.cid, ...body }, error);
      assert.deepEqual([await countRows(server, "messages"), await blobCount(server)], before);
    }

    test("a cid that is not the sender's certificate is InvalidCertificate", async () => {
      await expectNothingSent({ cid: bob.cid, text }, "InvalidCertificate");
      await expectNothingSent({ cid: 999_999, text }, "InvalidCertificate");
    });

    test("text or file over the configured limits is DataError", async () => {
      await expectNothingSent({ text: Buffer.alloc(1025).toString("base64") }, "DataError");
      await expectNothingSent({ data: Buffer.alloc(4097).toString("base64") }, "DataError");
      const atLimit = await call<Message>(server, "/api/sendMessage/", {
        token: alice.token,
        chat,
        cid: alice.cid,
        text: Buffer.alloc(1024).toString("base64"),
        data: Buffer.alloc(4096).toString("base64"),
      });
      assert.ok(atLimit.file);
    });

    test("fields that are not base64 and an empty message are InvalidSchema", async () => {
      await expectNothingSent({ text: "not base64!" }, "InvalidSchema");
      await expectNothingSent({ data: "***" }, "InvalidSchema");
      await expectNothingSent({ text, sign: "%%%" }, "InvalidSchema");
      await expectNothingSent({ text, cms: "a" }, "InvalidSchema");
      await expectNothingSent({}, "InvalidSchema");
      await expectNothingSent({ text: "" }, "InvalidSchema");
    });

    test("a retry with the same localId returns the same message", async () => {
      const body = { token: alice.token, chat, cid: alice.cid, text, localId: 17 };
      const first = await call<Message>(server, "/api/sendMessage/", body);
      const count = await countRows(server, "messages");
      const retry = await call<Message>(server, "/api/sendMessage/", body);
      assert.deepEqual(retry, first);
      assert.equal(first.localId, 17);
      assert.equal(await countRows(server, "messages"), count);
      const history = await call<Message[]>(server, "/api/messages/", { token: bob.token, chat });
      assert.ok(
        history.every((message) => !("localId" in message)),
        "localId is only in the sender's answer",
      );
    });

    test("a retried file message stores one blob", async () => {
      const body = { token: alice.token, chat, cid: alice.cid, data: text, localId: "file-1" };
      const blobs = await blobCount(server);
      const first = await call<Message>(server, "/api/sendMessage/", body);
      const retry = await call<Message>(server, "/api/sendMessage/", body);
      assert.equal(retry.file, first.file);
      assert.equal(first.localId, "file-1");
      assert.equal(await blobCount(server), blobs + 1);
    });

    test("the same localId from another session is a new message", async () => {
      const secondSession = await logIn(server, alice.user);
      const body = { chat, cid: alice.cid, text, localId: 18 };
      const first = await call<Message>(server, "/api/sendMessage/", { token: alice.token, ...body });
      const other = await call<Message>(server, "/api/sendMessage/", { token: secondSession, ...body });
      assert.notEqual(other.id, first.id);
    });

    test("the same localId in another chat or after 24 hours is a new message", async () => {
      const group = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Другой",
        keys: keysFor(chatKey, [alice]),
      });
      const body = { token: alice.token, cid: alice.cid, text, localId: 19 };
      const first = await call<Message>(server, "/api/sendMessage/", { ...body, chat });
      const elsewhere = await call<Message>(server, "/api/sendMessage/", { ...body, chat: group.chatId });
      assert.notEqual(elsewhere.id, first.id);
      server.clock.advance(DAY + 1000);
      const later = await call<Message>(server, "/api/sendMessage/", { ...body, chat });
      assert.notEqual(later.id, first.id);
      const retry = await call<Message>(server, "/api/sendMessage/", { ...body, chat });
      assert.equal(retry.id, later.id);
    });

    test("a failed blob write stores no message", async () => {
      const isolated = await startTestServer({ env: chatServerEnv });
      try {
        const user = await chatUser(isolated);
        const group = await call<Contact>(isolated, "/api/createChat/", {
          token: user.token,
          type: 1,
          name: "G",
          keys: keysFor(chatKey, [user]),
        });
        // A plain file where the blob folder belongs makes every blob write fail.
        await writeFile(join(isolated.dataDir, "files"), "in the way");
        const reply = await isolated.post("/api/sendMessage/", {
          token: user.token,
          chat: group.chatId,
          cid: user.cid,
          data: text,
        });
        assert.deepEqual(reply.body, { success: false, error: "CommonError" });
        assert.equal(await countRows(isolated, "messages"), 0);
      } finally {
        await isolated.close();
      }
    });

    test("a failed message insert leaves no blob", async () => {
      const db = server.server.storage.db;
      await sql`create trigger refuse_messages before insert on messages begin select raise(abort, 'refused'); end`.execute(
        db,
      );
      try {
        await expectNothingSent({ data: text }, "CommonError");
      } finally {
        await sql`drop trigger refuse_messages`.execute(db);
      }
    });
  });

  describe("messages and files", () => {
    test("an id without rel is InvalidSchema, an unknown rel too", async () => {
      await expectError("/api/messages/", { token: alice.token, chat, id: 1 }, "InvalidSchema");
      await expectError("/api/messages/", { token: alice.token, chat, id: 1, rel: "up" }, "InvalidSchema");
    });

    test("an unknown file, a malformed file id and a file of another chat are DataError", async () => {
      await expectError("/api/file/", { token: alice.token, chat, file: randomUUID() }, "DataError");
      await expectError("/api/file/", { token: alice.token, chat, file: "../../x" }, "DataError");
      const group = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Файлы",
        keys: keysFor(chatKey, [alice]),
      });
      await expectError(
        "/api/file/",
        { token: alice.token, chat: group.chatId, file: fileMessage.file },
        "DataError",
      );
    });

    test("the raw download answers errors with the envelope and a 4xx status", async () => {
      const download = (path: string, token?: string) =>
        fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      const ok = await download(`/api/file/${chat}/${fileMessage.file}`, bob.token);
      assert.equal(Buffer.from(await ok.arrayBuffer()).toString(), "file");
      const cases: [string, string | undefined, number, string][] = [
        [`/api/file/${chat}/${fileMessage.file}`, undefined, 401, "NeedAuthentication"],
        [`/api/file/${chat}/${fileMessage.file}`, carol.token, 404, "GetChatsError"],
        [`/api/file/${chat}/${randomUUID()}`, bob.token, 404, "DataError"],
      ];
      for (const [path, token, status, error] of cases) {
        const reply = await download(path, token);
        assert.equal(reply.status, status);
        assert.deepEqual(await reply.json(), { success: false, error });
      }
    });
  });
});
