// Red-team probe (session 8), now the guard of the fix: the certificate a message names. sendMessage refused a
// `cid` of another profile (InvalidCertificate) and one past its notAfter (CertificateExpired), but not one the CA
// had revoked: a message then claimed a signature by a key the CA withdrew (e.g. reported stolen), and a v1
// client that only checks the signature against the certificate shows it as valid.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { markCertificatesRevoked } from "../../../src/server/storage/repositories/certificates.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { renew } from "../../support/membership.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";
import { chatBetween, eventually } from "../../support/sockets.ts";

for (const backend of backends) {
  describe(`sendMessage with a revoked cid [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let renewed: ChatUser;
    let chat: string;

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      chat = await chatBetween(server, alice, await chatUser(server, "Бобров Борис Иванович"));
      server.clock.advance(61_000); // the phone's code resend interval
      renewed = await renew(server, alice);
    });
    after(async () => server.close());

    const send = (cid: number) =>
      server.post("/api/sendMessage/", { token: renewed.token, chat, cid, text: "AAAA" });

    test("a cid signing before its revocation is InvalidCertificate once a CRL reload marks it", async () => {
      // The cid signed before: the node remembers it as the sender's.
      assert.equal((await send(alice.cid)).body.success, true);
      // What a CRL reload does (revocation.ts): mark it, counting a session ending that every node watches.
      await markCertificatesRevoked(server.server.storage.db, [alice.cid], server.clock.now);
      // Within about a second (the node's watch of session endings); a send every 100 ms meanwhile.
      await eventually(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return (await send(alice.cid)).body.error === "InvalidCertificate";
      }, "the revoked cid refused");
      assert.equal((await send(renewed.cid)).body.success, true);
    });
  });
}
