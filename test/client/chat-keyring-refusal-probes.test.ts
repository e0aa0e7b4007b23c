/**
 * Review probes for the keyring's auto-refusal (commit be986a9): the client must hand back only rows that are
 * evidence against their wrapper, never good rows it failed to check for reasons of its own.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertificateTrust } from "../../src/client/certificate-trust.ts";
import { ChatKeyring } from "../../src/client/chat-keyring.ts";
import { signKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import { generateChatKey, type SignatureVerifier, wrapChatKeyFor } from "../../src/client/index.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-keyring-probe-"));
const CHAT = "5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01";
const OWN_CID = 7;

/** A verifier that cannot check this wrapper's algorithm (an old build, a missing GOST engine). */
const cannotCheck: SignatureVerifier = {
  raw: async () => {
    throw new Error("unsupported signature algorithm");
  },
  cms: async () => {
    throw new Error("unsupported signature algorithm");
  },
};

describe("chat keyring refusal probes", () => {
  it("does not refuse an honest row whose signature its own verifier cannot check", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const wrappedKey = await wrapChatKeyFor({
      chatKey: generateChatKey("aes-256-gcm"),
      recipientCertificate: own.certificate,
    });
    const row = {
      keyId: 2,
      key: encodeBase64(wrappedKey),
      cert: encodeBase64(wrapper.certificate),
      sign: await signKeyRow(wrapper, { chatId: CHAT, keyId: 2, cid: OWN_CID, wrappedKey }),
    };
    const refused: (readonly number[])[] = [];
    const keyring = new ChatKeyring({
      ownKey: own.ownKey,
      ownCid: async () => OWN_CID,
      verifier: cannotCheck,
      trust: new CertificateTrust({ serverCertificates: true }),
      fetchRows: async () => [row],
      refuseRows: async (_chat, keyIds) => {
        refused.push(keyIds);
      },
    });

    const { refused: failures } = await keyring.fetch(CHAT, [2]);

    assert.equal(failures.length, 1);
    // Refusing bans this honest wrapper from serving us epoch 2 for good (chat_key_refusals).
    assert.deepEqual(refused, [], "an honest row was refused because the client could not check it");
  });
});
