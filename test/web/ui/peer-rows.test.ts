/**
 * The peer panel's rows (web/src/ui/peer-rows.ts) for a personal chat as the page's session sees it — the SDK with
 * the server's certificates taken (web/src/session.ts `messengerOf`) — through a real server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Messenger, signatureVerifier } from "../../../src/client/index.ts";
import { ru } from "../../../web/src/i18n/ru.ts";
import { peerRows } from "../../../web/src/ui/peer-rows.ts";
import { sdkUser } from "../../client/support.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";

describe("the peer panel's rows", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
  });
  after(() => server.close());

  it("name the certificate's holder, SNILS, issuer and validity in Russian, marked as the server's word", async () => {
    const [ivan, olga] = [
      await sdkUser(server, "ecdsa-p256", "Иванов Иван Иванович"),
      await sdkUser(server, "ecdsa-p256", "Ольгина Ольга Олеговна"),
    ];
    const chat = (await ivan.messenger.chatWith(olga.phone)).chatId as string;
    const { api, signer } = ivan.messenger;
    const page = new Messenger(api, signer, signatureVerifier(), { serverCertificates: true });
    const peer = await page.pairPeer(chat);
    assert.ok(peer.bound);
    assert.equal(peer.anchored, false);
    const rows = new Map(peerRows(peer));
    assert.deepEqual(
      [rows.get("Владелец"), rows.get("СНИЛС"), rows.get("Издатель"), rows.has("ОГРН")],
      [olga.name, olga.snils, "certchat Test CA", false],
    );
    assert.match(rows.get(ru.peer.certificate) ?? "", /^действует до \d+ [а-я]+ \d{4} г\.$/);
    const olgaSees = await olga.messenger.pairPeer(chat);
    assert.equal(olgaSees.bound && olgaSees.safetyCode, peer.safetyCode);
  });
});
