import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertificateTrust, certificateIdentity } from "../../src/client/certificate-trust.ts";
import { ChatBindingsBook } from "../../src/client/chat-bindings-book.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-bindings-book-"));
const CHAT = "5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01";

async function bookOf() {
  const [own, peer, other] = [
    await signerOf("ecdsa-p256"),
    await signerOf("ecdsa-p256"),
    await signerOf("ecdsa-p256"),
  ];
  const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
  const book = new ChatBindingsBook({
    trust,
    ownCertificate: own.certificate,
    ownPid: async () => 1,
    learnMembers: async () => {},
  });
  const contact = (pid: number, certificate: Uint8Array, chatType = 0) => ({
    chatType,
    chatName: chatType === 0 ? null : "Отдел",
    pid,
    certificates: [{ id: pid * 10, cert: encodeBase64(certificate) }],
  });
  return { own, peer, other, trust, book, contact };
}

describe("chat bindings book", () => {
  it("binds a personal chat to the session's own identity and its contact's", async () => {
    const { own, peer, book, contact } = await bookOf();
    await book.note(CHAT, contact(2, peer.certificate));
    const pair = (await book.of(CHAT))?.pair;
    assert.deepEqual(
      [...(pair?.identities ?? [])].sort(),
      [certificateIdentity(own.certificate), certificateIdentity(peer.certificate)].sort(),
    );
  });

  it("gives a group no pair, and a chat never noted nothing", async () => {
    const { peer, book, contact } = await bookOf();
    await book.note(CHAT, contact(2, peer.certificate, 1));
    assert.equal((await book.of(CHAT))?.pair, undefined);
    assert.equal(await book.of("6a1d2f4e-0000-4000-8000-000000000000"), undefined);
  });

  it("throws when a known personal chat is answered as another profile's or as a group", async () => {
    const { peer, other, book, contact } = await bookOf();
    await book.note(CHAT, contact(2, peer.certificate));
    await assert.rejects(book.note(CHAT, contact(3, other.certificate)), /known as the chat with profile 2/);
    await assert.rejects(book.note(CHAT, contact(2, peer.certificate, 1)), /as a group or channel/);
    await book.note(CHAT, contact(2, peer.certificate));
  });

  it("throws when a contact lists a certificate of another person than the one its profile is known as", async () => {
    const { peer, other, trust, book, contact } = await bookOf();
    await trust.vouch(2, peer.certificate);
    await assert.rejects(book.pairMember(contact(2, other.certificate)), /certificate of another subject/);
  });
});
