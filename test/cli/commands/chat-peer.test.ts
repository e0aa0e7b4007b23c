/** `certchat chat peer`: whom a personal chat is bound to and its safety code, end to end through a real server. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chatServerEnv } from "../../support/chats.ts";
import { type CliUser, ecdsaCliUsers } from "../../support/cli-user.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-peer-");

/** The lines of `chat peer` after the "safety code" heading: the code's three lines of four groups. */
function codeLines(stdout: string): string[] {
  const lines = stdout.trimEnd().split("\n");
  return lines.slice(lines.findIndex((line) => line.startsWith("safety code")) + 1);
}

describe("certchat chat peer", () => {
  let server: TestServer;
  let anna: CliUser;
  let boris: CliUser;

  before(async () => {
    server = await startTestServer({ caAlg: "ecdsa-p256", env: chatServerEnv });
    const dir = await tempDir();
    const user = ecdsaCliUsers(server, dir, "7975");
    anna = await user("Андреева Анна Андреевна", "30000000002");
    boris = await user("Борисов Борис Борисович", "30000000003");
  });
  after(() => server.close());

  it("shows each member the other's certificate subject and the same safety code", async () => {
    const created = await anna.run("chat", "create", "--with", boris.phone, "--json");
    assert.equal(created.code, 0, created.stderr);
    const chat = JSON.parse(created.stdout).chatId as string;
    const [seenByAnna, seenByBoris] = [
      await anna.run("chat", "peer", chat),
      await boris.run("chat", "peer", chat),
    ];
    assert.equal(seenByAnna.code, 0, seenByAnna.stderr);
    assert.equal(seenByBoris.code, 0, seenByBoris.stderr);
    assert.match(seenByAnna.stdout, /^bound to: Борисов Борис Борисович\n[\s\S]* {2}SNILS: 30000000003\n/);
    assert.match(seenByBoris.stdout, /^bound to: Андреева Анна Андреевна\n[\s\S]* {2}SNILS: 30000000002\n/);
    assert.match(seenByAnna.stdout, /certificate: valid until \d{4}-\d\d-\d\d/);
    assert.deepEqual(codeLines(seenByAnna.stdout), codeLines(seenByBoris.stdout));
    assert.deepEqual(
      codeLines(seenByAnna.stdout).map((line) => /^ {2}\d{5}( \d{5}){3}$/.test(line)),
      [true, true, true],
    );
  });

  it("says a group is not a personal chat, and fails", async () => {
    const created = await anna.run("chat", "create", "--group", "Отдел", "--members", boris.phone, "--json");
    assert.equal(created.code, 0, created.stderr);
    const peer = await anna.run("chat", "peer", JSON.parse(created.stdout).chatId);
    assert.equal(peer.code, 1);
    assert.match(peer.stderr, /not a personal chat/);
    assert.equal(peer.stdout, "");
  });
});
