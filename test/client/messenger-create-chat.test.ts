/**
 * Messenger.createGroup through a real server when some member certificates cannot receive the chat key from
 * the creator's certificate (docs/SDK.md "Chat keys", docs/API.md createChat): those get no row and start on
 * the chat's wait list; a member left with no certificate to wrap for fails before createChat is sent.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadSigner, Messenger, signatureVerifier } from "../../src/client/index.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser, serverAnchors } from "./support.ts";

describe("SDK createChat with certificates the creator cannot wrap for", () => {
  let server: TestServer;
  let creator: SdkUser;
  /** An ECDSA profile that also holds a GOST certificate (`mixedGost`, its session). */
  let mixed: SdkUser;
  let mixedGost: Messenger;
  let gostOnly: SdkUser;

  before(async () => {
    server = await startTestServer({ caAlg: "ecdsa-p256", env: chatServerEnv });
    creator = await sdkUser(server, "ecdsa-p256", "Егоров Егор Егорович");
    mixed = await sdkUser(server, "ecdsa-p256", "Смирнова Софья Сергеевна");
    gostOnly = await sdkUser(server, "gost2012-256", "Гостев Глеб Глебович");
    // The same person's second certificate, a GOST one, logged in past the claim window.
    server.clock.advance(61_000);
    const gostCertificate = await issueUser(server, {
      alg: "gost2012-256",
      name: mixed.name,
      snils: mixed.snils,
    });
    mixedGost = await Messenger.login({
      server: server.url,
      signer: await loadSigner(gostCertificate.der, gostCertificate.keyPem),
      verifier: signatureVerifier(),
      trust: await serverAnchors(server),
      phone: mixed.phone,
      askCode: async (phone) => server.sms.lastCodeFor(phone)?.code ?? "",
    });
  });
  after(() => server.close());

  it("wraps for every certificate it can and leaves a GOST certificate it cannot wrap for on the wait list", async () => {
    const creatorCid = (await creator.messenger.profile()).cid;
    const ecdsaCid = (await mixed.messenger.profile()).cid;
    const gostCid = (await mixedGost.profile()).cid;
    const created = await creator.messenger.createGroup("Смешанная", [mixed.phone]);
    assert.ok(created.chatId);
    const data = await creator.messenger.membership.members(created.chatId);
    const keyHolders = data.members.flatMap((member) =>
      member.certificates.map((certificate) => [certificate.id, certificate.hasKey]),
    );
    assert.deepEqual(
      keyHolders.sort(([a], [b]) => Number(a) - Number(b)),
      [
        [creatorCid, true],
        [ecdsaCid, true],
        [gostCid, false],
      ],
    );
    assert.deepEqual(
      data.waitList.map((entry) => [entry.pid, entry.cid, entry.keyIds]),
      [[(await mixed.messenger.profile()).pid, gostCid, [1]]],
    );
    // The row is real: the member's ECDSA session reads the creator's text.
    await creator.messenger.sendText(created.chatId, "для ECDSA");
    const read = await mixed.messenger.history(created.chatId);
    assert.deepEqual(
      read.map((message) => [message.text, message.signature]),
      [["для ECDSA", "verified"]],
    );
  });

  it("fails before createChat is sent, naming the profile, when a member has no certificate it can wrap for", async (t) => {
    const sent = t.mock.method(creator.messenger.api, "createChat");
    const { pid, cid } = await gostOnly.messenger.profile();
    await assert.rejects(
      creator.messenger.createGroup("Только ГОСТ", [gostOnly.phone]),
      new RegExp(`can wrap the chat key for no certificate of profile ${pid} \\(certificate ${cid}: `),
    );
    assert.equal(sent.mock.callCount(), 0);
  });
});
