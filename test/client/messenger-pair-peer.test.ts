/**
 * Messenger.pairPeer through a real server: who a personal chat's keys are bound to, from the certificate the
 * pair binding used, and the safety code its two members compare (docs/CRYPTO.md "Safety code of a personal chat").
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Messenger, PairPeer } from "../../src/client/index.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { loginThrough } from "./hostile-server.ts";
import { loginAs, sdkUser, serverAnchors } from "./support.ts";

/** The peer's name and code, or why there is none. */
function shown(peer: PairPeer): string {
  return peer.bound ? `${peer.subject.commonName} ${peer.safetyCode}` : `${peer.reason}: ${peer.problem}`;
}

describe("Messenger.pairPeer", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
  });
  after(() => server.close());

  it("both members of a personal chat see each other's certificate subject and the same safety code", async () => {
    const [ivan, olga] = [
      await sdkUser(server, "ecdsa-p256", "Иванов Иван Иванович"),
      await sdkUser(server, "ecdsa-p256", "Ольгина Ольга Олеговна"),
    ];
    const chat = (await ivan.messenger.chatWith(olga.phone)).chatId as string;
    const [seenByIvan, seenByOlga] = [
      await ivan.messenger.pairPeer(chat),
      await olga.messenger.pairPeer(chat),
    ];
    assert.ok(seenByIvan.bound && seenByOlga.bound, `${shown(seenByIvan)} / ${shown(seenByOlga)}`);
    assert.deepEqual(
      [seenByIvan.subject.commonName, seenByIvan.subject.snils, seenByIvan.identity, seenByIvan.valid],
      [olga.name, olga.snils, `ru:${olga.snils}:-`, true],
    );
    assert.deepEqual(
      [seenByOlga.subject.commonName, seenByOlga.subject.surname, seenByOlga.subject.snils],
      [ivan.name, "Иванов", ivan.snils],
    );
    assert.equal(seenByIvan.issuer, "certchat Test CA");
    assert.equal(seenByIvan.safetyCode, seenByOlga.safetyCode);
    assert.match(seenByIvan.safetyCode, /^\d{5}( \d{5}){11}$/);
  });

  it("a member's renewed certificate (same identity) keeps the code, and its subject is the one shown", async () => {
    const [petr, vera] = [
      await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович"),
      await sdkUser(server, "ecdsa-p256", "Верова Вера Викторовна"),
    ];
    const chat = (await petr.messenger.chatWith(vera.phone)).chatId as string;
    const before = await petr.messenger.pairPeer(chat);
    const renewed = await issueUser(server, {
      name: "Верова-Новая Вера Викторовна",
      snils: vera.snils,
      notBefore: new Date(Date.now() - 60_000), // issued after her first (valid from an hour ago)
    });
    server.clock.advance(61_000); // past the SMS resend interval of Vera's phone
    await loginAs(server, renewed, vera.phone);
    const fresh = await loginThrough(server.url, petr.messenger.signer, await serverAnchors(server));
    const after = await fresh.pairPeer(chat);
    assert.ok(before.bound && after.bound, `${shown(before)} / ${shown(after)}`);
    assert.equal(after.safetyCode, before.safetyCode);
    assert.equal(after.subject.commonName, "Верова-Новая Вера Викторовна");
  });

  it("a session that lists its chats again after the peer's renewal shows the renewed certificate", async () => {
    const [petr, vera] = [
      await sdkUser(server, "ecdsa-p256", "Долгов Пётр Петрович"),
      await sdkUser(server, "ecdsa-p256", "Долгова Вера Викторовна"),
    ];
    const chat = (await petr.messenger.chatWith(vera.phone)).chatId as string;
    await petr.messenger.pairPeer(chat);
    const renewed = await issueUser(server, {
      name: "Долгова-Новая Вера Викторовна",
      snils: vera.snils,
      notBefore: new Date(Date.now() - 60_000),
    });
    server.clock.advance(61_000);
    await loginAs(server, renewed, vera.phone);
    // The same session (a page left open): its chat list now names the renewed certificate.
    await petr.messenger.chats();
    const after = await petr.messenger.pairPeer(chat);
    assert.ok(after.bound, shown(after));
    assert.equal(after.subject.commonName, "Долгова-Новая Вера Викторовна");
  });

  /** A holder of a certificate of ООО Ромашка (its OGRN and INN, the holder's name) without a SNILS. */
  async function companyUser(
    name: string,
    phone: string,
  ): Promise<{ messenger: Messenger; name: string; phone: string }> {
    const user = await issueUser(server, {
      name,
      snils: undefined,
      org: "ООО Ромашка",
      ogrn: "1027700132195",
      inn: "7707083893",
    });
    const messenger = await loginAs(server, user, phone);
    return { messenger, name, phone };
  }

  it("chats with two holders of one organisation's certificates without a SNILS show each holder and two codes", async () => {
    const victim = await sdkUser(server, "ecdsa-p256", "Ромашкин Роман Романович");
    // Two people of one company whose certificates name it (OGRN, its INN) but carry no SNILS: the server keys
    // them as two profiles (by issuer and subject DN), so must the pair binding.
    const [anna, mallory] = [
      await companyUser("Ромашкина Анна Олеговна", "79770000101"),
      await companyUser("Ромашов Марк Олегович", "79770000102"),
    ];
    const [withAnna, withMallory] = [
      (await victim.messenger.chatWith(anna.phone)).chatId as string,
      (await victim.messenger.chatWith(mallory.phone)).chatId as string,
    ];
    const [annaShown, malloryShown, annaSees] = [
      await victim.messenger.pairPeer(withAnna),
      await victim.messenger.pairPeer(withMallory),
      await anna.messenger.pairPeer(withAnna),
    ];
    assert.ok(annaShown.bound && malloryShown.bound && annaSees.bound);
    assert.deepEqual(
      [annaShown.subject.commonName, malloryShown.subject.commonName],
      [anna.name, mallory.name],
    );
    assert.equal(annaShown.safetyCode, annaSees.safetyCode);
    assert.notEqual(malloryShown.safetyCode, annaShown.safetyCode);
  });

  it("a group gives the answer that it is not a personal chat, with no code", async () => {
    const [owner, member] = [
      await sdkUser(server, "ecdsa-p256", "Групов Глеб Геннадьевич"),
      await sdkUser(server, "ecdsa-p256", "Членова Чара Чеславовна"),
    ];
    const group = (await owner.messenger.createGroup("Отдел", [member.phone])).chatId as string;
    const peer = await owner.messenger.pairPeer(group);
    assert.deepEqual([peer.bound, !peer.bound && peer.reason], [false, "not-personal"]);
    assert.equal("safetyCode" in peer, false);
  });

  it("a chat that is not among the caller's chats throws", async () => {
    const stranger = await sdkUser(server, "ecdsa-p256", "Чужов Чеслав Чеславович");
    await assert.rejects(
      stranger.messenger.pairPeer("00000000-0000-4000-8000-000000000000"),
      /not among this profile's chats/,
    );
  });
});
