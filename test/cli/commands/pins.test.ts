/** `certchat pins`: whose certificate each profile is, as earlier commands learnt it, end to end through a real server. */
import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pinFolder } from "../../../src/cli/user/pin-file.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { type CliUser, ecdsaCliUsers } from "../../support/cli-user.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-pins-");

/** The profile id `contacts --phone` gives for `user`. */
async function pidOf(asker: CliUser, user: CliUser): Promise<number> {
  const found = await asker.run("contacts", "--phone", user.phone, "--json");
  assert.equal(found.code, 0, found.stderr);
  return (JSON.parse(found.stdout) as { pid: number }[])[0]?.pid ?? 0;
}

describe("certchat pins", () => {
  let server: TestServer;
  let anna: CliUser;
  let boris: CliUser;
  let vera: CliUser;

  before(async () => {
    server = await startTestServer({ caAlg: "ecdsa-p256", env: chatServerEnv });
    const dir = await tempDir();
    const user = ecdsaCliUsers(server, dir, "7976");
    anna = await user("Антонова Анна Андреевна", "31000000002");
    boris = await user("Бобров Борис Борисович", "31000000003");
    vera = await user("Волкова Вера Викторовна", "31000000004");
  });
  after(() => server.close());

  it("lists the profiles earlier commands learnt, each with whom its certificate names", async () => {
    const borisPid = await pidOf(anna, boris);
    const listed = await anna.run("pins", "--json");
    assert.equal(listed.code, 0, listed.stderr);
    const pins = JSON.parse(listed.stdout) as { pid: number; subject: string; identity: string }[];
    assert.deepEqual(
      pins.find((pin) => pin.pid === borisPid),
      { ...pins.find((pin) => pin.pid === borisPid), subject: boris.name, identity: `ru:${boris.snils}:-` },
    );
    assert.ok(
      pins.some((pin) => pin.subject === anna.name),
      "her own profile is pinned at login",
    );
  });

  it("a later command refuses a look-up that lists another person's certificate under a pinned profile", async () => {
    const [borisPid, veraPid] = [await pidOf(anna, boris), await pidOf(anna, vera)];
    // What a server swapping certificates would meet: Boris's profile pinned with Vera's certificate.
    const folder = pinFolder(anna.home, server.url);
    await writeFile(join(folder, `${borisPid}.json`), await readFile(join(folder, `${veraPid}.json`)));
    const refused = await anna.run("contacts", "--phone", boris.phone);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`under profile ${borisPid} a certificate of another subject`));
  });

  it("pins forget drops a profile's pin, and the next look-up pins its listed certificate again", async () => {
    const veraPid = await pidOf(boris, vera);
    const forgot = await boris.run("pins", "forget", String(veraPid));
    assert.equal(forgot.code, 0, forgot.stderr);
    const listed = JSON.parse((await boris.run("pins", "--json")).stdout) as { pid: number }[];
    assert.ok(!listed.some((pin) => pin.pid === veraPid));
    await pidOf(boris, vera);
    const again = JSON.parse((await boris.run("pins", "--json")).stdout) as {
      pid: number;
      subject: string;
    }[];
    assert.equal(again.find((pin) => pin.pid === veraPid)?.subject, vera.name);
  });

  it("pins forget of a profile that is not pinned is an error", async () => {
    const forgot = await vera.run("pins", "forget", "999999");
    assert.deepEqual([forgot.code, forgot.stderr.trim()], [1, "certchat: profile 999999 is not pinned"]);
  });

  it("lists with each profile the personal chats pinned with it as their peer", async () => {
    const created = await vera.run("chat", "create", "--with", anna.phone, "--json");
    assert.equal(created.code, 0, created.stderr);
    const chatId = (JSON.parse(created.stdout) as { chatId: string }).chatId;
    const sent = await vera.run("send", chatId, "привет");
    assert.equal(sent.code, 0, sent.stderr);
    const annaPid = await pidOf(vera, anna);
    const pins = JSON.parse((await vera.run("pins", "--json")).stdout) as { pid: number; chats: string[] }[];
    assert.deepEqual(pins.find((pin) => pin.pid === annaPid)?.chats, [chatId]);
  });

  it("pins forget drops a profile's personal chat pins though its own pin is gone", async () => {
    const annaPid = await pidOf(vera, anna);
    await rm(join(pinFolder(vera.home, server.url), `${annaPid}.json`));
    const forgot = await vera.run("pins", "forget", String(annaPid));
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.deepEqual(await readdir(join(pinFolder(vera.home, server.url), "chats")), []);
  });
});
