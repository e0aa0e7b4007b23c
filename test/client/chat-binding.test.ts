import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertificateTrust, certificateIdentity } from "../../src/client/certificate-trust.ts";
import {
  chatBindings,
  isPairCertificate,
  isSignableChatId,
  pairBinding,
} from "../../src/client/chat-binding.ts";
import { createBinding } from "../../src/client/crypto/key-row-signature.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-chat-binding-"));
const ivan = { pid: 7, identity: "ru:12345678901:-" };
const olga = { pid: 42, identity: "ru:10987654321:-" };

describe("chat bindings", () => {
  it("names a pair the same whichever of the two asks", () => {
    assert.deepEqual(pairBinding(ivan, olga), pairBinding(olga, ivan));
    assert.match(pairBinding(ivan, olga).binding, /^pair:[0-9a-f]{64}$/);
  });

  it("names the pair by its members' identities, not by the profile ids the server gives them", () => {
    assert.equal(
      pairBinding(ivan, olga).binding,
      pairBinding({ ...ivan, pid: 1 }, { ...olga, pid: 2 }).binding,
    );
    assert.notEqual(
      pairBinding(ivan, olga).binding,
      pairBinding(ivan, { ...olga, identity: "ru:55555555555:-" }).binding,
    );
  });

  it("binds a personal chat to its two members and a group to its type and name only", () => {
    assert.deepEqual(chatBindings({ chatType: 0, chatName: null }, ivan, olga), {
      creation: createBinding(0, null),
      pair: pairBinding(ivan, olga),
    });
    assert.deepEqual(chatBindings({ chatType: 1, chatName: "Отдел" }, ivan, olga), {
      creation: createBinding(1, "Отдел"),
    });
  });

  it("takes as the pair's only certificates that carry one of its identities", async () => {
    const [member, stranger] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
    const pair = pairBinding(ivan, { pid: 42, identity: certificateIdentity(member.certificate) });
    assert.equal(await isPairCertificate(pair, member.certificate, trust), true);
    assert.equal(await isPairCertificate(pair, stranger.certificate, trust), false);
    assert.equal(await isPairCertificate(pair, new Uint8Array([0x30, 0x00]), trust), false);
  });

  it("signs over a chat id, never over a server's chat id shaped like a pair or creation binding", () => {
    assert.equal(isSignableChatId("8f5321dd-8c38-4063-baba-3bf6b8b9e742"), true);
    assert.equal(isSignableChatId(pairBinding(ivan, olga).binding), false);
    assert.equal(isSignableChatId(createBinding(0, null)), false);
  });
});
