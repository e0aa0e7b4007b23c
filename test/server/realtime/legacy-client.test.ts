import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  profileOf,
  unwrapKey,
  wrapKey,
} from "../../support/chats.ts";
import { groupOf, sessionCert } from "../../support/membership.ts";
import { issueUser, startTestServer, type TestServer } from "../../support/server.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  emitWithAckArgs,
  eventually,
  type LegacySocket,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";

/** The Android client's login: auth, confirmAuth and registryPhone as forms, confirmPhone as JSON. */
async function androidUser(
  server: TestServer,
  name: string,
  snils: string,
  phone: string,
): Promise<ChatUser> {
  const user = await issueUser(server, { name, snils });
  const auth = await server.post(
    "/api/auth/",
    { cert: encodeBase64(user.der), sign: user.sign(user.der) },
    { form: true },
  );
  assert.equal(auth.body.success, true);
  const { nonce, token } = auth.body.data as { nonce: string; token: string };
  const confirm = await server.post(
    "/api/confirmAuth/",
    { token, sign: user.sign(new Uint8Array(Buffer.from(nonce, "base64"))) },
    { form: true },
  );
  assert.equal(confirm.body.success, true);
  const registry = await server.post("/api/registryPhone/", { token, phone }, { form: true });
  assert.equal(registry.body.success, true);
  const { id } = registry.body.data as { id: number };
  const confirmed = await server.post("/api/confirmPhone/", {
    token,
    id,
    code: server.sms.messages.at(-1)?.code,
  });
  assert.equal(confirmed.body.success, true);
  return { user, token, phone, snils, name, ...(await profileOf(server, token)) };
}

describe("the deployed Android client's protocol (socket.io-client 2, Engine.IO v3)", () => {
  let server: TestServer;
  let android: ChatUser;
  let web: ChatUser;
  let chat: string;
  const sockets: AnySocket[] = [];
  const legacy = async () => {
    const socket = await connectV2(server.url);
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    android = await androidUser(
      server,
      "Андреев Андрей Андреевич",
      `${process.pid}`.padStart(11, "7"),
      "79660000001",
    );
    web = await chatUser(server, "Вебов Виктор Петрович");
    chat = await chatBetween(server, web, android);
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("session then an immediate subscribe, sendMessage acked with one envelope; v3 sockets get `message`, v4 sockets `messages`, never localId", async () => {
    const phone = await legacy();
    const tablet = await legacy();
    const browser = await connectV4(server.url, { token: web.token });
    sockets.push(browser);

    // As the Android client does: `session` without waiting, then `subscribe` at once.
    for (const socket of [phone, tablet]) {
      socket.emit("session", android.token);
      assert.deepEqual(await request(socket, "subscribe", chat), { success: true, data: chat });
    }
    await request(browser, "subscribe", chat);
    const phoneSeen = record(phone, "message");
    const tabletLegacy = record(tablet, "message");
    const tabletCurrent = record(tablet, "messages");
    const browserCurrent = record(browser, "messages");
    const browserLegacy = record(browser, "message");

    const ack = await emitWithAckArgs(phone, "sendMessage", {
      ...textMessage(android, chat, "from Android"),
      localId: 3,
    });
    assert.equal(ack.length, 1, "the ack has ONE argument");
    const envelope = ack[0] as { success: boolean; data: Message };
    assert.equal(envelope.success, true);
    assert.equal(envelope.data.localId, 3);
    const { localId: _, ...bare } = envelope.data;

    await eventually(() => tabletLegacy.length === 1 && browserCurrent.length === 1, "live delivery");
    assert.deepEqual(tabletLegacy[0], bare);
    assert.deepEqual(browserCurrent[0], bare);

    const fromBrowser = await request(browser, "sendMessage", {
      ...textMessage(web, chat, "to Android"),
      localId: 3,
    });
    await eventually(
      () => phoneSeen.length === 1 && tabletLegacy.length === 2,
      "delivery to the legacy sockets",
    );
    const { localId: __, ...bareReply } = fromBrowser.data as Message;
    assert.deepEqual(phoneSeen[0], bareReply);

    // Barrier: a later message from the phone. A socket's events arrive in the order they were emitted, so once
    // the tablet and the browser have it, whatever the two sends above made them reach them has arrived too.
    const barrier = await emitWithAckArgs(phone, "sendMessage", {
      ...textMessage(android, chat, "barrier"),
      localId: 4,
    });
    const barrierId = (barrier[0] as { data: Message }).data.id;
    await eventually(
      () => tabletLegacy.length === 3 && browserCurrent.length === 2,
      "the barrier message at the tablet and the browser",
    );
    assert.equal(tabletCurrent.length, 0, "v3 sockets get `message` only");
    assert.equal(browserLegacy.length, 0, "v4 sockets get `messages` only");
    assert.deepEqual(
      browserCurrent.map((message) => (message as Message).id),
      [bare.id, barrierId],
      "the browser's own message came back only as its ack",
    );
  });

  test("the legacy `messages` request with rel: next returns what a reconnecting client missed", async () => {
    const phone = await legacy();
    phone.emit("session", android.token);
    const latest = await request(phone, "messages", { chat });
    const page = latest.data as Message[];
    const lastId = page.at(-1)?.id ?? 0;
    const missed = await request(phone, "messages", { chat, id: lastId - 1, rel: "next" });
    assert.deepEqual(
      (missed.data as Message[]).map((message) => message.id),
      [lastId],
    );
  });

  test("a `session` with an unknown token is refused and the socket disconnected", async () => {
    const phone: LegacySocket = await legacy();
    const disconnected = new Promise((resolve) => phone.once("disconnect", resolve));
    assert.deepEqual(await request(phone, "session", "0b7c3a4e-0000-4000-8000-000000000000"), {
      success: false,
      error: "NeedAuthentication",
    });
    await disconnected;
  });

  test("a renewed certificate's v1 client reads its key from `contacts` (forms) once a member fulfilled the wait list", async () => {
    const { chat, chatKey } = await groupOf(server, web, [android]);
    // The same person's new certificate logs in as the Android client does; the SMS code joins the profile.
    server.clock.advance(61_000); // past the SMS resend interval of the phone
    const renewed = await androidUser(server, android.name, android.snils, android.phone);
    assert.equal(renewed.pid, android.pid);
    const contactOf = async () => {
      const reply = await server.post("/api/contacts/", { token: renewed.token }, { form: true });
      assert.equal(reply.body.success, true);
      return (reply.body.data as Contact[]).find((contact) => contact.chatId === chat);
    };
    assert.equal((await contactOf())?.key, null);

    await call(server, "/api/chatsKeys/", {
      token: web.token,
      keys: [
        { chatId: chat, pid: android.pid, cid: renewed.cid, key: wrapKey(chatKey, sessionCert(renewed)) },
      ],
    });
    const key = (await contactOf())?.key;
    assert.ok(key);
    assert.deepEqual(unwrapKey(key.key, sessionCert(renewed)), chatKey);
    const phone = await legacy();
    phone.emit("session", renewed.token);
    assert.deepEqual(await request(phone, "subscribe", chat), { success: true, data: chat });
  });
});
