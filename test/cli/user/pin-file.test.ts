/** The CLI's pin file (src/cli/user/pin-file.ts): pins per server, kept by side-by-side commands, never half-written. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { listPins, pinFile, pinFolder } from "../../../src/cli/user/pin-file.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-pin-file-");
const execFileAsync = promisify(execFile);
const pinFileModule = fileURLToPath(new URL("../../../src/cli/user/pin-file.ts", import.meta.url));
let homes = 0;
/** A home folder of its own for each test. */
const newHome = async () => join(await tempDir(), `home-${++homes}`);
const SERVER = "http://127.0.0.1:8080";
const pin = (pid: number, identity: string) => ({
  pid,
  identity,
  certificate: new Uint8Array([pid, 1, 2, 3]),
});

test("a kept pin is known to the next session of the same server, certificate and all", async () => {
  const home = await newHome();
  await (await pinFile(home, SERVER)).keep(pin(7, "dn:CA|CN=Анна"));
  const { known } = await pinFile(home, SERVER);
  assert.deepEqual(
    known.map(({ pid, identity, certificate }) => ({ pid, identity, certificate: [...certificate] })),
    [{ pid: 7, identity: "dn:CA|CN=Анна", certificate: [7, 1, 2, 3] }],
  );
});

test("pins of one server are not another server's", async () => {
  const home = await newHome();
  await (await pinFile(home, SERVER)).keep(pin(7, "dn:CA|CN=Анна"));
  assert.deepEqual((await pinFile(home, "http://127.0.0.1:9090")).known, []);
});

test("a second pin for a profile leaves the first in place", async () => {
  const home = await newHome();
  const store = await pinFile(home, SERVER);
  await store.keep(pin(7, "dn:CA|CN=Анна"));
  // What a session running beside the first one is told: the first pin stands for it too.
  assert.equal((await store.keep(pin(7, "dn:CA|CN=Мэллори")))?.identity, "dn:CA|CN=Анна");
  assert.deepEqual(
    (await listPins(home, SERVER)).map((kept) => kept.identity),
    ["dn:CA|CN=Анна"],
  );
});

test("two sessions that started together both keep their pins", async () => {
  const home = await newHome();
  const [first, second] = [await pinFile(home, SERVER), await pinFile(home, SERVER)];
  await Promise.all([first.keep(pin(7, "dn:CA|CN=Анна")), second.keep(pin(8, "dn:CA|CN=Борис"))]);
  await first.keep(pin(9, "dn:CA|CN=Вера"));
  assert.deepEqual((await listPins(home, SERVER)).map((kept) => kept.pid).sort(), [7, 8, 9]);
});

test("a forgotten pin is gone for later sessions, others stay", async () => {
  const home = await newHome();
  const store = await pinFile(home, SERVER);
  await store.keep(pin(7, "dn:CA|CN=Анна"));
  await store.keep(pin(8, "dn:CA|CN=Борис"));
  await store.forget(7);
  assert.deepEqual(
    (await listPins(home, SERVER)).map((kept) => kept.pid),
    [8],
  );
});

test("a pin file is readable by its owner only, its folder by its owner only, and no temporary file stays", async () => {
  const home = await newHome();
  await (await pinFile(home, SERVER)).keep(pin(7, "dn:CA|CN=Анна"));
  const folder = pinFolder(home, SERVER);
  assert.equal((await stat(join(folder, "7.json"))).mode & 0o777, 0o600);
  assert.equal((await stat(folder)).mode & 0o777, 0o700);
  assert.deepEqual(await readdir(folder), ["7.json"]);
});

test("a damaged pin file is refused with what to do, not silently dropped", async () => {
  const home = await newHome();
  const folder = pinFolder(home, SERVER);
  await mkdir(folder, { recursive: true });
  const path = join(folder, "7.json");
  for (const content of [
    "{not json",
    JSON.stringify({ identity: "dn:x" }),
    JSON.stringify({ identity: 1, certificate: "AAEC", since: "x" }),
  ]) {
    await writeFile(path, content);
    await assert.rejects(pinFile(home, SERVER), /7\.json is not a pin file.*remove it/);
    assert.equal(await readFile(path, "utf8"), content);
  }
});

test("a profile id that is not one (a hostile server's answers are not schema-checked) writes no file, in the folder or out of it", async () => {
  const home = await newHome();
  await mkdir(home, { recursive: true });
  const store = await pinFile(home, SERVER);
  for (const pid of ["/../../../escaped", "/../../escaped", "../../../escaped", 0, -1, 1.5, "7"])
    await assert.rejects(store.keep(pin(pid as number, "dn:CA|CN=Мэллори")), /not a profile id/);
  await assert.rejects(store.forget("/../../../escaped" as unknown as number), /not a profile id/);
  assert.deepEqual(await readdir(home, { recursive: true }), []);
  const around = await readdir(dirname(home), { recursive: true });
  assert.deepEqual(
    around.filter((name) => name.includes("escaped")),
    [],
  );
});

test("a personal chat's first peer is known to the next session, under any chat id the server gives, until its profile is forgotten", async () => {
  const home = await newHome();
  const store = await pinFile(home, SERVER);
  const odd = "../../../chat";
  await store.keepChatPeer?.({ chatId: "5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01", pid: 7 });
  assert.equal(
    (await store.keepChatPeer?.({ chatId: "5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01", pid: 9 }))?.pid,
    7,
  );
  await store.keepChatPeer?.({ chatId: odd, pid: 8 });
  const peers = async () =>
    ((await pinFile(home, SERVER)).chatPeers ?? []).map(({ chatId, pid }) => [chatId, pid]).sort();
  assert.deepEqual(await peers(), [
    [odd, 8],
    ["5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01", 7],
  ]);
  assert.deepEqual(
    (await readdir(dirname(home))).filter((name) => !name.startsWith("home-")),
    [],
  );
  await store.forget(7);
  assert.deepEqual(await peers(), [[odd, 8]]);
  await assert.rejects(
    store.keepChatPeer?.({ chatId: "x".repeat(129), pid: 8 }) ?? Promise.resolve(),
    /not a chat id/,
  );
});

test("many pins are read with few files open at once: a server may list one certificate under any number of profile ids", async () => {
  const home = await newHome();
  const folder = pinFolder(home, SERVER);
  await mkdir(folder, { recursive: true });
  const stored = JSON.stringify({
    identity: "dn:CA|CN=Анна",
    certificate: "AAEC",
    since: "2026-12-07T08:00:00Z",
  });
  for (let pid = 1; pid <= 300; pid += 1) await writeFile(join(folder, `${pid}.json`), stored);
  // Under a low limit of open files (macOS gives 256 by default), as every command reads the pins first.
  const script = `import { listPins } from ${JSON.stringify(pinFileModule)};
    process.stdout.write(String((await listPins(${JSON.stringify(home)}, ${JSON.stringify(SERVER)})).length));`;
  const { stdout } = await execFileAsync("bash", [
    "-c",
    'ulimit -n 64 && exec node --import tsx --input-type=module -e "$0"',
    script,
  ]);
  assert.equal(stdout, "300");
});

test("no pin file yet means no pins", async () => {
  assert.deepEqual((await pinFile(await newHome(), SERVER)).known, []);
});

test("one server's pins are found under any spelling of its URL", async () => {
  const home = await newHome();
  await (await pinFile(home, "http://LocalHost:80/")).keep(pin(7, "dn:CA|CN=Анна"));
  assert.deepEqual(
    (await listPins(home, "http://localhost")).map((kept) => kept.pid),
    [7],
  );
});
