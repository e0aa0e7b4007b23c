/**
 * The SDK against a malicious server (docs/CRYPTO.md: the server is trusted neither for confidentiality nor for
 * integrity, nor for saying whose certificate is whose): a real server behind a proxy that rewrites its answers.
 * Each test names the attack and asserts what the SDK must do instead of trusting the forgery.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Messenger, generateChatKey, wrapChatKeyFor } from "../../src/client/index.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import type { Contact } from "../../src/protocol/schemas/chats.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { HostileServer, loginThrough } from "./hostile-server.ts";
import { type SdkUser, sdkUser, serverAnchors } from "./support.ts";

describe("the SDK against a hostile server", () => {
  let server: TestServer;
  let hostile: HostileServer;
  let hostileUrl: string;
  let anchors: TrustInput;
  let owner: SdkUser;
  let alice: SdkUser;
  let mallory: SdkUser;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    hostile = new HostileServer(server.url);
    hostileUrl = await hostile.start();
    anchors = await serverAnchors(server);
    owner = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
    alice = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
    mallory = await sdkUser(server, "ecdsa-p256", "Волков Максим Игоревич");
  });
  after(async () => {
    await hostile.stop();
    await server.close();
  });

  /** A second session of `user` through the hostile server; its rewrites are cleared when the test ends. */
  async function throughHostile(user: SdkUser, t: { after: (fn: () => void) => void }): Promise<Messenger> {
    t.after(() => hostile.rewrites.clear());
    return loginThrough(hostileUrl, user.messenger.signer, anchors);
  }

  it("confidentiality: an unsigned epoch-1 key row the server wrapped itself is not used to encrypt", async (t) => {
    const group = await owner.messenger.createGroup("unsigned row", [alice.phone]);
    const chat = group.chatId as string;
    // The server's own key, wrapped for Alice's ECDSA certificate (an ephemeral ECDH wrap needs no private key of
    // anyone's), named as wrapped by her own certificate, unsigned and without a commitment: what a v1 createChat
    // row looks like.
    const attackerKey = generateChatKey("aes-256-gcm");
    const forged = encodeBase64(
      await wrapChatKeyFor({ chatKey: attackerKey, recipientCertificate: alice.messenger.signer.certificate }),
    );
    const forge = (contact: Contact): Contact =>
      contact.chatId === chat && contact.key
        ? {
            ...contact,
            key: {
              ...contact.key,
              key: forged,
              cert: encodeBase64(alice.messenger.signer.certificate),
              import: true,
              sign: null,
              commitment: null,
            },
          }
        : contact;
    hostile.rewrites.set("contacts", (data) => (data as Contact[]).map(forge));
    hostile.rewrites.set("keys", (data) =>
      (data as { keyId: number }[]).map((row) =>
        row.keyId === 1 ? { ...row, key: forged, sign: null, commitment: null } : row,
      ),
    );
    const victim = await throughHostile(alice, t);
    await assert.rejects(victim.sendText(chat, "только для своих"), /no key for epoch 1/);
    // Nothing reached the chat under the server's key.
    assert.deepEqual(await owner.messenger.history(chat), []);
  });
});
