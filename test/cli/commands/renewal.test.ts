/**
 * Certificate renewal end to end (docs/design/key-epochs-and-membership.md §5): `certchat login` with a new
 * certificate of the same person confirms the profile's phone by SMS; the new certificate waits on every chat;
 * a partner's client that comes online (`login`, or a running `listen`) wraps every epoch for it; the renewed
 * user then reads the whole history, across epochs, with every signature verified. GOST and ECDSA users, on
 * SQLite and PostgreSQL.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { IssueAlgorithm } from "../../../src/server/test-ca.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { runCliAnswering, startCli } from "../../support/cli.ts";
import { type CliUser, cliUser, serverCaFile } from "../../support/cli-user.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-renewal-");

async function texts(user: CliUser, chat: string): Promise<string[]> {
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

async function chatOf(user: CliUser, ...args: string[]): Promise<string> {
  const created = await user.run("chat", "create", ...args, "--json");
  assert.equal(created.code, 0, created.stderr);
  return JSON.parse(created.stdout).chatId;
}

const SERIAL_BASE: Record<string, number> = { "gost2012-256": 30000000000, "ecdsa-p256": 31000000000 };

// Two suites side by side (each suite's tests still in order): nearly all of the time is `certchat` children
// starting, one core each, while a file's tests alone keep one child running at a time.
describe("renewal on each backend, GOST and ECDSA", { concurrency: 2 }, () => {
  for (const backend of backends) {
    for (const alg of ["gost2012-256", "ecdsa-p256"] as const satisfies readonly IssueAlgorithm[]) {
      describe(`renewal of a ${alg} user [${backend.name}]`, { skip: backend.skip, concurrency: 1 }, () => {
        let server: TestServer;
        let dir: string;
        let partner: CliUser;
        let renewing: CliUser;
        let third: CliUser;
        let personal: string;
        let group: string;
        const serial = (n: number) => String((SERIAL_BASE[alg] ?? 0) + n);
        const phoneOf = (n: number) => `7976${serial(n).slice(-7)}`;

        before(async () => {
          server = await startTestServer({ backend, caAlg: alg, env: chatServerEnv });
          dir = join(await tempDir(), backend.name, alg);
          const user = (n: number, name: string) =>
            cliUser(server, join(dir, String(n)), { alg, name, snils: serial(n), phone: phoneOf(n) });
          partner = await user(1, "Павлов Павел Павлович");
          renewing = await user(2, "Романова Рита Романовна");
          third = await user(3, "Тимофеев Тимур Тимурович");
          personal = await chatOf(partner, "--with", renewing.phone);
          group = await chatOf(partner, "--group", "Проект", "--members", `${renewing.phone},${third.phone}`);
          await send(partner, personal, "личное 1");
          await send(renewing, personal, "личное 2");
          await send(renewing, group, "эпоха 1");
          // A second epoch: the third member is removed, the key rotates.
          assert.equal((await partner.run("chat", "remove", group, third.phone)).code, 0);
          await send(partner, group, "эпоха 2");
        });
        after(() => server.close());

        /** Logs the renewing person in with a fresh certificate (same name and SNILS) and the profile's phone. */
        async function renew(n: number): Promise<CliUser> {
          server.clock.advance(61_000);
          return cliUser(server, join(dir, `renewed-${n}`), {
            alg,
            name: renewing.name,
            snils: renewing.snils,
            phone: renewing.phone,
          });
        }

        it("a partner's next login sends every epoch's key to the renewed certificate: the whole history verifies", async () => {
          const renewed = await renew(1);
          const members = await partner.run("chat", "members", group);
          assert.match(
            members.stdout,
            /waiting: certificate \d+ of profile \d+, epochs 1, 2: waits for a key holder/,
          );
          const login = await runCliAnswering(
            [
              ...[
                "login",
                "--home",
                partner.home,
                "--server",
                server.url,
                "--trust",
                `qualified:${serverCaFile(server)}`,
              ],
              ...["--cert", join(dir, "1", "cert.der"), "--key", join(dir, "1", "key.pem")],
            ],
            {},
            undefined,
          );
          assert.equal(login.code, 0, login.stderr);
          assert.match(login.stderr, /sent 3 chat key\(s\)/);
          assert.deepEqual(await texts(renewed, personal), ["личное 1 verified", "личное 2 verified"]);
          assert.deepEqual(await texts(renewed, group), ["эпоха 1 verified", "эпоха 2 verified"]);
          await send(renewed, group, "с новым сертификатом");
          assert.deepEqual((await texts(partner, group)).at(-1), "с новым сертификатом verified");
        });

        it("a partner's running listen serves a certificate renewed while it runs", async () => {
          const listening = await startCli(
            ["listen", "--home", partner.home],
            {},
            "listening on all your chats",
          );
          try {
            const renewed = await renew(2);
            for (let waited = 0; ; waited += 100) {
              const read = await renewed.run("history", group, "--json");
              const all = read.code === 0 ? JSON.parse(read.stdout) : [];
              if (
                all.length > 0 &&
                all.every((message: { signature: string }) => message.signature === "verified")
              )
                break;
              if (waited > 30_000) throw new Error(`still unreadable: ${read.stdout}${read.stderr}`);
              await new Promise((resolve) => setTimeout(resolve, 100));
            }
            assert.deepEqual((await texts(renewed, personal)).slice(0, 2), [
              "личное 1 verified",
              "личное 2 verified",
            ]);
          } finally {
            const exited = new Promise((resolve) => listening.child.once("exit", resolve));
            listening.child.kill("SIGTERM");
            assert.equal(await exited, 0);
          }
        });
      });
    }
  }
});
