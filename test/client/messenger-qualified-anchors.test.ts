/**
 * Whose a certificate is, as the SDK reads it through a real server that trusts two accredited CAs (marked
 * qualified) and a corporate one (not): a SNILS counts only from a CA the client marks qualified, as the server
 * keys profiles (docs/DECISIONS.md §30).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { certificateIdentity } from "../../src/client/certificate-trust.ts";
import { loadSigner, Messenger, signatureVerifier } from "../../src/client/index.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUserOf, startTestServer, type TestServer } from "../support/server.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { createTrustedCas, type TrustedTestCa, trustSetting } from "../support/trust-anchors.ts";
import { HostileServer, loginThrough } from "./hostile-server.ts";
import { caAnchors } from "./support.ts";

const tempDir = useTempDir("certchat-qualified-anchors-");

describe("the SDK's identity of a certificate follows its anchors' qualified mark", () => {
  let server: TestServer;
  let hostile: HostileServer;
  let hostileUrl: string;
  let accredited: TrustedTestCa;
  let renewing: TrustedTestCa;
  let corporate: TrustedTestCa;
  /** A CA not marked qualified that took the first accredited CA's very name. */
  let namesake: TrustedTestCa;
  /** The clients' anchors: the two accredited CAs marked qualified, the corporate one (a company's own) not. */
  let anchors: TrustInput;
  let sequence = 0;

  before(async () => {
    ({ accredited, renewing, corporate, namesake } = await createTrustedCas(await tempDir(), {
      accredited: { name: "Accredited CA One", qualified: true },
      renewing: { name: "Accredited CA Two", qualified: true },
      corporate: { name: "Corporate CA", qualified: false },
      namesake: { name: "Accredited CA One", qualified: false },
    }));
    server = await startTestServer({
      env: {
        ...chatServerEnv,
        CERTCHAT_TRUST: trustSetting([accredited, renewing, corporate, namesake]),
      },
    });
    hostile = new HostileServer(server.url);
    hostileUrl = await hostile.start();
    const parts = await Promise.all(
      [accredited, renewing, corporate, namesake].map((ca) => caAnchors(ca.dir, ca.qualified)),
    );
    anchors = {
      anchors: parts.flatMap((part) => [...part.anchors]),
      qualified: parts.flatMap((part) => [...(part.qualified ?? [])]),
    };
  });
  after(async () => {
    await hostile.stop();
    await server.close();
  });

  /** A session of a certificate `ca` issues with `snils` (none if undefined), logged in with `phone` (a fresh one unless given). */
  async function userOf(ca: TrustedTestCa, name: string, snils: string | undefined, phone?: string) {
    sequence += 1;
    const issued = await issueUserOf(ca.dir, { alg: "ecdsa-p256", name, snils });
    const userPhone =
      phone ?? `7979${String(process.pid % 1000).padStart(3, "0")}${String(sequence).padStart(4, "0")}`;
    const signer = await loadSigner(issued.der, issued.keyPem);
    const messenger = await Messenger.login({
      server: server.url,
      signer,
      verifier: signatureVerifier(),
      trust: anchors,
      phone: userPhone,
      askCode: async (asked) => server.sms.lastCodeFor(asked)?.code ?? "",
      fulfil: false,
    });
    return { messenger, phone: userPhone };
  }

  it("a corporate CA's certificate with Anna's SNILS, put on her personal chat's wait list as hers, is served none of its keys", async (t) => {
    t.after(() => hostile.rewrites.clear());
    const victim = await userOf(accredited, "Квалов Виктор Олегович", "11223344595");
    const anna = await userOf(accredited, "Квалова Анна Олеговна", "12345678964");
    // Mallory's company CA, which the victim's client trusts (not as qualified), writes Anna's SNILS into her
    // certificate: the server gives it a profile of its own (dn:), the old client took it for Anna's.
    const mallory = await userOf(corporate, "Квалова Анна Олеговна", "12345678964");
    const withAnna = (await victim.messenger.chatWith(anna.phone)).chatId as string;
    const [annaProfile, intruder] = [await anna.messenger.profile(), await mallory.messenger.profile()];
    const waiting = {
      pid: annaProfile.pid,
      cid: intruder.cid,
      cert: encodeBase64(mallory.messenger.signer.certificate),
      since: Math.floor(Date.now() / 1000),
      keyIds: [1],
    };
    hostile.addToWaitList(withAnna, waiting);
    hostile.asked.length = 0;
    const session = await loginThrough(hostileUrl, victim.messenger.signer, anchors);
    await session.fulfilWaitLists().catch(() => 0);
    const toIntruder = hostile.keyRowsSentTo(intruder.cid);
    assert.deepEqual(toIntruder, []);
  });

  it("a certificate without SNILS from a CA that took an accredited CA's name, put on Anna's personal chat's wait list as hers, is served none of its keys", async (t) => {
    t.after(() => hostile.rewrites.clear());
    const victim = await userOf(accredited, "Тёзкин Виктор Олегович", "55566677750");
    const anna = await userOf(accredited, "Тёзкина Анна Олеговна", undefined);
    // The namesake CA's copy has Anna's issuer and subject DN: her identity (and the server's profile key) when
    // no SNILS is on it. It never logs in (the server refuses it): a hostile server lists it under any cid.
    const copy = await issueUserOf(namesake.dir, {
      alg: "ecdsa-p256",
      name: "Тёзкина Анна Олеговна",
      snils: undefined,
    });
    assert.equal(certificateIdentity(copy.der), certificateIdentity(anna.messenger.signer.certificate));
    const withAnna = (await victim.messenger.chatWith(anna.phone)).chatId as string;
    const copyCid = 2_000_000_000;
    const waiting = {
      pid: (await anna.messenger.profile()).pid,
      cid: copyCid,
      cert: encodeBase64(copy.der),
      since: Math.floor(Date.now() / 1000),
      keyIds: [1],
    };
    hostile.addToWaitList(withAnna, waiting);
    hostile.asked.length = 0;
    const session = await loginThrough(hostileUrl, victim.messenger.signer, anchors);
    await session.fulfilWaitLists().catch(() => 0);
    const toCopy = hostile.keyRowsSentTo(copyCid);
    assert.deepEqual(toCopy, []);
  });

  it("a certificate without SNILS from a CA that took an accredited CA's name is refused at login, not taken for a renewal of its namesake's profile", async () => {
    await userOf(accredited, "Безснилсова Анна Олеговна", undefined);
    await assert.rejects(
      userOf(namesake, "Безснилсова Анна Олеговна", undefined),
      /the certificate is not trusted/,
    );
  });

  it("a renewal from another accredited CA, same SNILS, is served the personal chat's keys and reads it", async () => {
    const victim = await userOf(accredited, "Обнов Виктор Олегович", "98765432100");
    const anna = await userOf(accredited, "Обнова Анна Олеговна", "08765430300");
    const chat = (await victim.messenger.chatWith(anna.phone)).chatId as string;
    await victim.messenger.sendText(chat, "до обновления");
    // Past the claim window: the renewal logs in to the same profile (the server's ru: key).
    server.clock.advance(61_000);
    const renewed = await userOf(renewing, "Обнова Анна Олеговна", "08765430300", anna.phone);
    assert.equal((await renewed.messenger.profile()).pid, (await anna.messenger.profile()).pid);
    assert.equal(await victim.messenger.fulfilWaitLists(), 1);
    const read = await renewed.messenger.history(chat);
    assert.deepEqual(
      read.map((message) => [message.text, message.signature]),
      [["до обновления", "verified"]],
    );
  });
});
