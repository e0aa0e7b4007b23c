import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import {
  backends,
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
} from "../../support/server.ts";
import { chatBetween, connectV2, connectV4, nextEvent, request, textMessage } from "../../support/sockets.ts";

const MINUTE_MS = 60_000;

let phoneSequence = 0;

/** A user whose certificate ends `validForMs` after now (real time; the server's clock is the test's). */
async function shortLivedUser(server: TestServer, validForMs: number): Promise<{ token: string }> {
  phoneSequence += 1;
  const suffix = String(process.pid % 10_000).padStart(4, "0") + String(phoneSequence).padStart(3, "0");
  const user = await issueUser(server, {
    name: "Краткова Клара Карловна",
    snils: `900${suffix}`.padEnd(11, "0"),
    notAfter: new Date(server.clock.now + validForMs),
  });
  const token = await logIn(server, user);
  await registerPhone(server, token, `7966${suffix}`);
  return { token };
}

for (const backend of backends) {
  describe(`session lifetime [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let bob: ChatUser;
    let carol: ChatUser;
    let chat: string;
    const sockets: Socket[] = [];

    before(async () => {
      server = await startTestServer({ backend, env: { ...chatServerEnv, CERTCHAT_SESSION_MAX_AGE: "2h" } });
      bob = await chatUser(server, "Бобров Борис Иванович");
      carol = await chatUser(server, "Карлова Карина Петровна");
      chat = await chatBetween(server, bob, carol);
    });

    after(async () => {
      for (const socket of sockets) socket.close();
      await server?.close();
    });

    test("once the certificate expires, REST calls and socket events answer CertificateExpired and the socket is dropped", async () => {
      const dora = await shortLivedUser(server, 10 * MINUTE_MS);
      const socket = await connectV4(server.url, { token: dora.token });
      sockets.push(socket);
      assert.equal((await server.post("/api/profile/", { token: dora.token })).body.success, true);
      server.clock.advance(10 * MINUTE_MS + 1000);
      const disconnected = nextEvent(socket, "disconnect");
      assert.deepEqual(await request(socket, "messages", { chat }), {
        success: false,
        error: "CertificateExpired",
      });
      assert.equal(await disconnected, "io server disconnect");
      for (const path of ["/api/profile/", "/api/contacts/", "/api/sendMessage/"]) {
        const reply = await server.post(path, { token: dora.token, ...textMessage(bob, chat, "late") });
        assert.deepEqual(reply.body, { success: false, error: "CertificateExpired" }, path);
      }
      const refused = await connectV4(server.url, { token: dora.token }).catch(
        (error: { data?: unknown }) => error,
      );
      assert.deepEqual((refused as { data?: unknown }).data, { success: false, error: "CertificateExpired" });
    });

    test("the deployed client's session event with an expired certificate's token is refused", async () => {
      const erin = await shortLivedUser(server, 10 * MINUTE_MS);
      server.clock.advance(10 * MINUTE_MS + 1000);
      const legacy = await connectV2(server.url);
      try {
        assert.deepEqual(await request(legacy, "session", erin.token), {
          success: false,
          error: "CertificateExpired",
        });
      } finally {
        legacy.close();
      }
    });

    test("a user with a current certificate keeps working meanwhile", async () => {
      // Before the maximum-age test below, which moves the clock past every session's maximum age.
      const socket = await connectV4(server.url, { token: carol.token });
      sockets.push(socket);
      const sent = await request(socket, "sendMessage", {
        ...textMessage(carol, chat, "still here"),
        localId: 1,
      });
      assert.equal(sent.success, true, JSON.stringify(sent));
      assert.equal((await server.post("/api/profile/", { token: bob.token })).body.success, true);
    });
    test("sendMessage with a cid whose certificate expired answers CertificateExpired, over REST and the socket", async () => {
      // Hanna's second certificate (same name and SNILS: the same profile once her phone confirms it) is
      // short-lived; her session stays on the first, which is valid.
      const hanna = await chatUser(server, "Ханова Ханна Хасановна");
      const hannaChat = await chatBetween(server, hanna, bob);
      const second = await issueUser(server, {
        name: hanna.name,
        snils: hanna.snils,
        notAfter: new Date(server.clock.now + 10 * MINUTE_MS),
      });
      server.clock.advance(MINUTE_MS + 1000); // past the resend interval of her phone's first code
      await registerPhone(server, await logIn(server, second), hanna.phone);
      const profile = (await server.post("/api/profile/", { token: hanna.token })).body.data as {
        certificates: { id: number }[];
      };
      const secondCid = profile.certificates.map((c) => c.id).find((cid) => cid !== hanna.cid);
      assert.ok(secondCid !== undefined, "the second certificate joined the profile");
      server.clock.advance(10 * MINUTE_MS + 1000);
      const withSecond = { ...textMessage(hanna, hannaChat, "signed too late"), cid: secondCid };
      const rest = await server.post("/api/sendMessage/", { token: hanna.token, ...withSecond });
      assert.deepEqual(rest.body, { success: false, error: "CertificateExpired" });
      const socket = await connectV4(server.url, { token: hanna.token });
      sockets.push(socket);
      assert.deepEqual(await request(socket, "sendMessage", { ...withSecond, localId: 1 }), {
        success: false,
        error: "CertificateExpired",
      });
      const withFirst = await request(socket, "sendMessage", {
        ...textMessage(hanna, hannaChat, "ok"),
        localId: 2,
      });
      assert.equal(withFirst.success, true, JSON.stringify(withFirst));
    });

    test("past the maximum age a session in steady use answers SessionExpired, on REST and the socket", async () => {
      const frank = await chatUser(server, "Франков Фёдор Фёдорович");
      const socket = await connectV4(server.url, { token: frank.token });
      sockets.push(socket);
      // Used every 40 minutes: never idle, but 2 h after login it ends.
      for (let step = 0; step < 3; step++) {
        assert.equal((await server.post("/api/profile/", { token: frank.token })).body.success, true);
        server.clock.advance(40 * MINUTE_MS);
      }
      server.clock.advance(MINUTE_MS);
      const reply = await server.post("/api/profile/", { token: frank.token });
      assert.deepEqual(reply.body, { success: false, error: "SessionExpired" });
      assert.deepEqual(await request(socket, "subscribe", chat), { success: false, error: "SessionExpired" });
    });
  });
}

test("the periodic sweep disconnects a silent socket whose certificate expired", async () => {
  const server = await startTestServer({ env: chatServerEnv, sessionCheckMs: 50 });
  try {
    const gina = await shortLivedUser(server, 10 * MINUTE_MS);
    const socket = await connectV4(server.url, { token: gina.token });
    try {
      const disconnected = nextEvent(socket, "disconnect");
      server.clock.advance(10 * MINUTE_MS + 1000);
      assert.equal(await disconnected, "io server disconnect");
    } finally {
      socket.close();
    }
  } finally {
    await server.close();
  }
});
