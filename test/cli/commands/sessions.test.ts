import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SessionListing } from "../../../src/server/storage/repositories/session-admin.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { runCli } from "../../support/cli.ts";
import { logIn, startTestServer, type TestServer } from "../../support/server.ts";
import { closeAll, connectV4, nextEvent, request, within } from "../../support/sockets.ts";

describe("certchat sessions", () => {
  let server: TestServer;
  let env: Record<string, string>;
  before(async () => {
    server = await startTestServer({ env: chatServerEnv, sessionCheckMs: 50 });
    env = { CERTCHAT_DATA_DIR: server.dataDir };
  });
  after(async () => server.close());

  const profileStatus = async (token: string) =>
    (await server.post("/api/profile/", { token })).body.error ?? "ok";

  const listed = async (...args: string[]) => {
    const result = await runCli(["sessions", "list", "--json", ...args], env);
    assert.equal(result.code, 0, result.stderr);
    return { sessions: JSON.parse(result.stdout) as SessionListing[], stdout: result.stdout };
  };

  test("list --profile shows the profile's sessions with their certificate, never a token", async () => {
    const alice: ChatUser = await chatUser(server, "Смирнова Анна Сергеевна");
    const { sessions, stdout } = await listed("--profile", String(alice.pid));
    assert.deepEqual(
      sessions.map((s) => [s.profileId, s.certificateId, s.clientAddress]),
      [[alice.pid, alice.cid, "127.0.0.1"]],
    );
    assert.equal(stdout.includes(alice.token), false);
  });

  test("revoke --session ends that session at once and leaves the profile's other session working", async () => {
    const bob = await chatUser(server, "Петров Пётр Петрович");
    const second = await logIn(server, bob.user);
    const [newest] = (await listed("--profile", String(bob.pid))).sessions;
    const result = await runCli(["sessions", "revoke", "--session", String(newest?.id)], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /revoked 1 session\(s\) of session/);
    assert.equal(await profileStatus(second), "NeedAuthentication");
    assert.equal(await profileStatus(bob.token), "ok");
  });

  test("revoke --cert by fingerprint ends every session of that certificate", async () => {
    const carol = await chatUser(server, "Сидорова Ольга Ивановна");
    const second = await logIn(server, carol.user);
    const [session] = (await listed("--profile", String(carol.pid))).sessions;
    const result = await runCli(["sessions", "revoke", "--cert", session?.fingerprint ?? ""], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /revoked 2 session\(s\)/);
    assert.deepEqual(
      [await profileStatus(carol.token), await profileStatus(second)],
      ["NeedAuthentication", "NeedAuthentication"],
    );
  });

  test("revoke --profile disconnects the profile's connected socket at the next session re-check", async () => {
    const dave = await chatUser(server, "Кузнецов Дмитрий Олегович");
    const socket = await connectV4(server.url, { token: dave.token });
    try {
      // The CLI itself takes seconds to start on a busy machine: the bound is for the whole run.
      const disconnected = nextEvent(socket, "disconnect", 120_000);
      const result = await runCli(["sessions", "revoke", "--profile", String(dave.pid)], env);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await disconnected, "io server disconnect");
    } finally {
      closeAll([socket]);
    }
  });

  test("a revocation is in the audit log with the operator, the selector and the count", async () => {
    const erin = await chatUser(server, "Орлова Елена Павловна");
    await runCli(["sessions", "revoke", "--profile", String(erin.pid)], env);
    const audit = await runCli(["audit", "--json", "--profile", String(erin.pid)], env);
    assert.equal(audit.code, 0, audit.stderr);
    const events = audit.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      events.map((event) => event.type),
      ["certificate.attached", "login", "session.revoked"],
    );
    assert.match(String(events[2]?.actor), /^admin/);
    assert.deepEqual(events[2]?.details, { selector: `profile ${erin.pid}`, count: 1 });
  });

  test("revoke without a selector, or with two, fails with a message", async () => {
    const none = await runCli(["sessions", "revoke"], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /give one of --session, --cert and --profile/);
    const two = await runCli(["sessions", "revoke", "--session", "1", "--profile", "1"], env);
    assert.equal(two.code, 1);
    assert.match(two.stderr, /give one of/);
  });

  test("a session id that is not a number is refused", async () => {
    const result = await runCli(["sessions", "revoke", "--session", "1 or 1=1"], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--session must be a positive whole number/);
  });
});

describe("certchat sessions revoke against a server re-checking sockets each minute", () => {
  let server: TestServer;
  before(async () => {
    // The default minute: only the server noticing the CLI's write can drop the socket in time.
    server = await startTestServer({ env: chatServerEnv });
  });
  after(async () => server.close());

  test("the revoked profile's socket is disconnected within seconds of the command; another profile's stays", async () => {
    const frank = await chatUser(server, "Фролов Фёдор Ильич");
    const grace = await chatUser(server, "Громова Галина Юрьевна");
    const frankSocket = await connectV4(server.url, { token: frank.token });
    const graceSocket = await connectV4(server.url, { token: grace.token });
    try {
      const disconnected = nextEvent(frankSocket, "disconnect", 120_000);
      const env = { CERTCHAT_DATA_DIR: server.dataDir };
      const result = await runCli(["sessions", "revoke", "--profile", String(frank.pid)], env);
      assert.equal(result.code, 0, result.stderr);
      // Counted from the command's exit: the CLI itself takes seconds to start on a busy machine.
      assert.equal(
        await within(disconnected, 5_000, "the revoked socket's disconnect"),
        "io server disconnect",
      );
      assert.equal(graceSocket.connected, true);
      assert.equal((await request(graceSocket, "session", { token: grace.token })).success, true);
    } finally {
      closeAll([frankSocket, graceSocket]);
    }
  });
});
