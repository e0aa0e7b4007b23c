/**
 * `certchat chat members|add|remove|leave|admin|rotate` and `listen` following new chats, end to end through
 * a real server (docs/design/key-epochs-and-membership.md §6), on SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chatServerEnv } from "../../support/chats.ts";
import { startCli } from "../../support/cli.ts";
import { type CliUser, ecdsaCliUsers } from "../../support/cli-user.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-members-");

/** The texts of `history`, each with its signature verdict. */
async function readable(user: CliUser, chat: string): Promise<string[]> {
  const history = await user.run("history", chat, "--json");
  assert.equal(history.code, 0, history.stderr);
  return JSON.parse(history.stdout).map(
    (read: { text: string | null; signature: string }) => `${read.text} ${read.signature}`,
  );
}

async function send(user: CliUser, chat: string, text: string): Promise<void> {
  const sent = await user.run("send", chat, text);
  assert.equal(sent.code, 0, sent.stderr);
}

// The backends side by side (each suite's tests still in order): nearly all of the time is `certchat` children
// starting, one core each, while a file's tests alone keep one child running at a time.
describe("certchat chat membership on each backend", { concurrency: backends.length }, () => {
  for (const backend of backends) {
    describe(`certchat chat membership [${backend.name}]`, { skip: backend.skip, concurrency: 1 }, () => {
      let server: TestServer;
      let owner: CliUser;
      let anna: CliUser;
      let boris: CliUser;
      let vera: CliUser;
      let group: string;

      before(async () => {
        server = await startTestServer({ backend, caAlg: "ecdsa-p256", env: chatServerEnv });
        const dir = await tempDir();
        const user = ecdsaCliUsers(server, join(dir, backend.name), "7977");
        owner = await user("Орлов Олег Олегович", "20000000001");
        anna = await user("Андреева Анна Андреевна", "20000000002");
        boris = await user("Борисов Борис Борисович", "20000000003");
        vera = await user("Волкова Вера Викторовна", "20000000004");
        const created = await owner.run(
          "chat",
          "create",
          "--group",
          "Отдел",
          "--members",
          anna.phone,
          "--json",
        );
        assert.equal(created.code, 0, created.stderr);
        group = JSON.parse(created.stdout).chatId;
        await send(owner, group, "до добавления");
      });
      after(() => server.close());

      it("chat members lists roles, phones and each certificate's key status", async () => {
        const members = await owner.run("chat", "members", group);
        assert.equal(members.code, 0, members.stderr);
        assert.match(members.stdout, /key epoch 1/);
        assert.match(members.stdout, new RegExp(`owner  \\+${owner.phone}  ${owner.name}`));
        assert.match(members.stdout, new RegExp(`member \\+${anna.phone}  ${anna.name}`));
        assert.doesNotMatch(members.stdout, /no key yet|waiting/);
      });

      it("chat add --history now: the new member reads only what follows its addition", async () => {
        const added = await owner.run("chat", "add", group, "--members", boris.phone);
        assert.equal(added.code, 0, added.stderr);
        assert.match(added.stdout, new RegExp(`member \\+${boris.phone}`));
        await send(owner, group, "после добавления");
        assert.deepEqual(await readable(boris, group), ["после добавления verified"]);
      });

      it("chat remove rotates the key: the removed member can neither read nor send, the others go on", async () => {
        const removed = await owner.run("chat", "remove", group, boris.phone);
        assert.equal(removed.code, 0, removed.stderr);
        assert.match(removed.stdout, /key epoch 2/);
        assert.doesNotMatch(removed.stdout, new RegExp(boris.phone));
        const history = await boris.run("history", group);
        assert.match(history.stderr, /GetChatsError/);
        const sent = await boris.run("send", group, "меня уже нет");
        assert.match(sent.stderr, /GetChatsError/);
        await send(anna, group, "эпоха 2");
        assert.deepEqual(await readable(owner, group), [
          "до добавления verified",
          "после добавления verified",
          "эпоха 2 verified",
        ]);
      });

      it("chat add --history all: the new member reads every epoch, signatures verified", async () => {
        const added = await owner.run("chat", "add", group, "--members", vera.phone, "--history", "all");
        assert.equal(added.code, 0, added.stderr);
        assert.deepEqual(await readable(vera, group), [
          "до добавления verified",
          "после добавления verified",
          "эпоха 2 verified",
        ]);
      });

      it("chat leave makes a rotation due; chat rotate makes the next epoch for those who stayed", async () => {
        const left = await vera.run("chat", "leave", group);
        assert.equal(left.code, 0, left.stderr);
        const members = await owner.run("chat", "members", group);
        assert.match(members.stdout, /key epoch 2 {2}\(rotation due: a member left\)/);
        const rotated = await owner.run("chat", "rotate", group);
        assert.equal(rotated.code, 0, rotated.stderr);
        assert.match(rotated.stdout, /key epoch 3\n/);
        await send(owner, group, "эпоха 3");
        assert.deepEqual((await readable(anna, group)).at(-1), "эпоха 3 verified");
        assert.match((await vera.run("history", group)).stderr, /GetChatsError/);
      });

      it("chat admin lets a channel member post; --demote takes it back", async () => {
        const created = await owner.run(
          "chat",
          "create",
          "--channel",
          "Новости",
          "--members",
          anna.phone,
          "--json",
        );
        const channel = JSON.parse(created.stdout).chatId;
        assert.match((await anna.run("send", channel, "можно?")).stderr, /GetChatsError/);
        const promoted = await owner.run("chat", "admin", channel, anna.phone);
        assert.equal(promoted.code, 0, promoted.stderr);
        assert.match(promoted.stdout, new RegExp(`admin  \\+${anna.phone}`));
        await send(anna, channel, "теперь можно");
        const demoted = await owner.run("chat", "admin", channel, anna.phone, "--demote");
        assert.match(demoted.stdout, new RegExp(`member \\+${anna.phone}`));
        assert.match((await anna.run("send", channel, "уже нельзя")).stderr, /GetChatsError/);
      });

      it("listen without chat ids picks up a chat created after it started", async () => {
        const listening = await startCli(["listen", "--home", anna.home], {}, "listening on all your chats");
        try {
          const created = await boris.run("chat", "create", "--with", anna.phone, "--json");
          assert.equal(created.code, 0, created.stderr);
          await send(boris, JSON.parse(created.stdout).chatId, "новый чат");
          for (let waited = 0; !listening.stdout().includes("новый чат"); waited += 50) {
            if (waited > 20_000) throw new Error(`listen printed: ${listening.stdout()}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          assert.match(listening.stdout(), new RegExp(`${boris.name} ✓: новый чат\n`));
        } finally {
          const exited = new Promise((resolve) => listening.child.once("exit", resolve));
          listening.child.kill("SIGTERM");
          assert.equal(await exited, 0);
        }
      });
    });
  }
});
