// Outside review of issue 13 (evidence for the lead): the SDK against a lying server. A failing test is a finding.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChatKeyring } from "../../src/client/chat-keyring.ts";
import { CREATE_CHAT_ID, signKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import { generateChatKey, signatureVerifier, wrapChatKeyFor } from "../../src/client/index.ts";
import { planFulfilment } from "../../src/client/key-fulfilment.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { testSigners } from "../client/support.ts";
import { useTempDir } from "../support/temp-dir.ts";

// The members' CA, and a CA of the server operator's own that no user trusts.
const memberOf = testSigners(useTempDir("review13-members-"));
const rogueOf = testSigners(useTempDir("review13-rogue-"));
const CHAT = "6a1f0e0a-6b0c-4c43-9a36-2f4b1d6c7e55";
const OWN_CID = 7;

describe("issue 13 review: SDK trusts what the server lists", () => {
  it("auto-fulfilment does not wrap the chat key for a certificate no trusted CA issued", async () => {
    const [own, rogue] = [await memberOf("ecdsa-p256"), await rogueOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const planned = planFulfilment(
      // The server puts its own certificate on the wait list, under a member's pid.
      [{ chatId: CHAT, waitList: [{ pid: 2, cid: 99, cert: encodeBase64(rogue.certificate), keyIds: [1] }] }],
      { cid: OWN_CID, certificate: own.certificate, ownKey: own.ownKey },
      () => ({ keyId: 1, chatKey, signature: "verified" }),
    );
    assert.deepEqual(
      planned.map((row) => row.cid),
      [],
      "the chat key would be wrapped for the server's key",
    );
  });

  it("the keyring refuses a key row wrapped and signed by a certificate no trusted CA issued", async () => {
    const [own, rogue] = [await memberOf("ecdsa-p256"), await rogueOf("ecdsa-p256")];
    const wrappedKey = await wrapChatKeyFor({
      chatKey: generateChatKey("aes-256-gcm"),
      recipientCertificate: own.certificate,
    });
    const keyring = new ChatKeyring({
      ownKey: own.ownKey,
      ownCid: async () => OWN_CID,
      verifier: signatureVerifier(),
      fetchRows: async () => [],
    });
    await assert.rejects(
      keyring.add(CHAT, {
        keyId: 2,
        key: encodeBase64(wrappedKey),
        cert: encodeBase64(rogue.certificate),
        sign: await signKeyRow(rogue, { chatId: CHAT, keyId: 2, cid: OWN_CID, wrappedKey }),
      }),
    );
  });

  it("the keyring refuses an unsigned key row of a later epoch (its sign stripped by the server)", async () => {
    const [own, member] = [await memberOf("ecdsa-p256"), await memberOf("ecdsa-p256")];
    const wrappedKey = await wrapChatKeyFor({
      chatKey: generateChatKey("aes-256-gcm"),
      recipientCertificate: own.certificate,
    });
    const keyring = new ChatKeyring({
      ownKey: own.ownKey,
      ownCid: async () => OWN_CID,
      verifier: signatureVerifier(),
      fetchRows: async () => [],
    });
    await assert.rejects(
      keyring.add(CHAT, {
        keyId: 2,
        key: encodeBase64(wrappedKey),
        cert: encodeBase64(member.certificate),
        sign: null,
      }),
    );
  });

  it("a createChat row of chat A (signed over no chat id) is not accepted as the key of chat B", async () => {
    const [own, alice] = [await memberOf("ecdsa-p256"), await memberOf("ecdsa-p256")];
    const chatA = generateChatKey("aes-256-gcm");
    const wrappedKey = await wrapChatKeyFor({ chatKey: chatA, recipientCertificate: own.certificate });
    // What Alice's createChat of chat A stored for us; the server serves it as epoch 1 of chat B.
    const sign = await signKeyRow(alice, { chatId: CREATE_CHAT_ID, keyId: 1, cid: OWN_CID, wrappedKey });
    const keyring = new ChatKeyring({
      ownKey: own.ownKey,
      ownCid: async () => OWN_CID,
      verifier: signatureVerifier(),
      fetchRows: async () => [],
    });
    await assert.rejects(
      keyring.add(CHAT, {
        keyId: 1,
        key: encodeBase64(wrappedKey),
        cert: encodeBase64(alice.certificate),
        sign,
      }),
    );
  });
});
