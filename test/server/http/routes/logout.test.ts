import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listAuditEvents } from "../../../../src/server/storage/repositories/audit.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../../../support/chats.ts";
import { logIn, startTestServer, type TestServer } from "../../../support/server.ts";
import { closeAll, connectV4, nextEvent } from "../../../support/sockets.ts";

describe("/api/logout/ (an extension: a person ends their own session)", () => {
  let server: TestServer;
  const sockets: Awaited<ReturnType<typeof connectV4>>[] = [];
  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  async function loggedOut(user: ChatUser, token = user.token) {
    const reply = await server.post("/api/logout/", { token });
    assert.deepEqual(reply.body, { success: true, data: {} });
  }

  test("after logout the session's token is refused NeedAuthentication", async () => {
    const user = await chatUser(server, "Выходов Пётр Ильич");
    await loggedOut(user);
    const profile = await server.post("/api/profile/", { token: user.token });
    assert.deepEqual(profile.body, { success: false, error: "NeedAuthentication" });
  });

  test("logout ends only the session it was called with: the same person's other session goes on", async () => {
    const user = await chatUser(server, "Двойнов Игорь Олегович");
    const other = await logIn(server, user.user);
    await loggedOut(user);
    const profile = await server.post("/api/profile/", { token: other });
    assert.equal(profile.body.success, true, profile.body.error);
  });

  test("a socket of the session is disconnected by its logout, another session's socket stays", async () => {
    const user = await chatUser(server, "Сокетов Глеб Андреевич");
    const other = await logIn(server, user.user);
    const ended = await connectV4(server.url, { token: user.token });
    const staying = await connectV4(server.url, { token: other });
    sockets.push(ended, staying);
    const gone = nextEvent(ended, "disconnect", 15_000);
    await loggedOut(user);
    await gone;
    // The barrier: a request on the other session's socket is answered after the sweep that ended the first.
    const answer = await new Promise((resolve) =>
      staying.emit("subscribe", "00000000-0000-4000-8000-000000000000", resolve),
    );
    assert.ok(
      staying.connected,
      `the other session's socket was answered ${JSON.stringify(answer)} and stays`,
    );
  });

  test("logout is recorded in the audit log with the session it ended", async () => {
    const user = await chatUser(server, "Журналов Ефим Петрович");
    await loggedOut(user);
    const events = await listAuditEvents(server.server.storage.db, { profileId: user.pid, limit: 100 });
    const logouts = events.filter((event) => event.type === "logout");
    assert.equal(logouts.length, 1);
    assert.equal(logouts[0]?.certificate_id, user.cid);
    assert.equal(logouts[0]?.actor, `profile:${user.pid}`);
  });

  test("logout without a token, or with one already logged out, is refused NeedAuthentication", async () => {
    const user = await chatUser(server, "Повторов Семён Львович");
    await loggedOut(user);
    for (const token of [undefined, user.token]) {
      const reply = await server.post("/api/logout/", token === undefined ? {} : { token });
      assert.deepEqual(reply.body, { success: false, error: "NeedAuthentication" });
    }
  });
});
