import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ProfileReport } from "../../../src/cli/admin/profile-report.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { runCli } from "../../support/cli.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";

describe("certchat profile show", () => {
  let server: TestServer;
  let alice: ChatUser;
  let env: Record<string, string>;
  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Смирнова Анна Сергеевна");
    env = { CERTCHAT_DATA_DIR: server.dataDir };
  });
  after(async () => server.close());

  test("by phone in the masked form: the profile with its phone, certificate and live session", async () => {
    const masked = `+${alice.phone[0]} (${alice.phone.slice(1, 4)}) ${alice.phone.slice(4, 7)}-${alice.phone.slice(7, 9)}-${alice.phone.slice(9)}`;
    const result = await runCli(["profile", "show", masked, "--json"], env);
    assert.equal(result.code, 0, result.stderr);
    const [report, ...others] = JSON.parse(result.stdout) as ProfileReport[];
    assert.equal(others.length, 0);
    assert.equal(report?.pid, alice.pid);
    assert.equal(report?.phone, alice.phone);
    assert.equal(report?.snils, alice.snils);
    assert.equal(report?.liveSessions, 1);
    assert.deepEqual(
      report?.certificates.map((certificate) => certificate.cid),
      [alice.cid],
    );
  });

  test("by profile id, as text", async () => {
    const result = await runCli(["profile", "show", String(alice.pid)], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^profile ${alice.pid}: Смирнова Анна Сергеевна`));
    assert.match(result.stdout, /sessions\s+1 live/);
  });

  test("an unknown profile and something that is neither id nor phone fail with a message", async () => {
    const unknown = await runCli(["profile", "show", "999999"], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no profile for 999999/);
    const nonsense = await runCli(["profile", "show", "drop table"], env);
    assert.equal(nonsense.code, 1);
    assert.match(nonsense.stderr, /neither a profile id nor a phone number/);
  });
});
