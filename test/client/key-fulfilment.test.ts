import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertificateTrust, certificateIdentity } from "../../src/client/certificate-trust.ts";
import { type ChatBindings, pairBinding } from "../../src/client/chat-binding.ts";
import type { HeldKey } from "../../src/client/chat-keyring.ts";
import { createBinding, verifyKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import { generateChatKey, signatureVerifier, unwrapChatKey } from "../../src/client/index.ts";
import {
  batchRows,
  type ChatWaitList,
  MAX_REQUEST_BYTES,
  MAX_ROWS_PER_REQUEST,
  memberWaits,
  planFulfilment,
  trustedWaits,
  wrapPlannedRows,
  wrapRefusal,
} from "../../src/client/key-fulfilment.ts";
import { decodeBase64, encodeBase64 } from "../../src/protocol/base64.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-fulfilment-"));
// A CA of the server operator's own that no user trusts.
const rogueOf = testSigners(useTempDir("certchat-fulfilment-rogue-"));
const CHAT = "2d1f0e0a-6b0c-4c43-9a36-2f4b1d6c7e55";

const entry = (pid: number, cid: number, cert: Uint8Array, keyIds: number[]) => ({
  pid,
  cid,
  cert: encodeBase64(cert),
  keyIds,
});

describe("key fulfilment: what this session can wrap", () => {
  it("wraps any key kind for a standard recipient, whatever its own key", async () => {
    const [gost, ecdsa] = [await signerOf("gost2012-256"), await signerOf("ecdsa-p256")];
    for (const kind of ["aes-256-gcm", "gost28147-cfb"] as const) {
      assert.equal(wrapRefusal(gost, ecdsa.certificate, generateChatKey(kind)), undefined);
      assert.equal(
        wrapRefusal(ecdsa, (await signerOf("rsa-2048")).certificate, generateChatKey(kind)),
        undefined,
      );
    }
  });

  it("wraps for a GOST recipient only a GOST key, and only from a GOST key of the same group", async () => {
    const [gost, peer, ecdsa, wide] = [
      await signerOf("gost2012-256"),
      await signerOf("gost2012-256"),
      await signerOf("ecdsa-p256"),
      await signerOf("gost2012-512"),
    ];
    const gostKey = generateChatKey("gost28147-cfb");
    assert.equal(wrapRefusal(gost, peer.certificate, gostKey), undefined);
    assert.match(
      wrapRefusal(gost, peer.certificate, generateChatKey("aes-256-gcm")) ?? "",
      /only receive a GOST chat key/,
    );
    assert.match(wrapRefusal(ecdsa, peer.certificate, gostKey) ?? "", /only a GOST key/);
    assert.match(wrapRefusal(wide, peer.certificate, gostKey) ?? "", /another curve/);
  });
});

describe("key fulfilment: planning", () => {
  it("plans every listed epoch it holds for every waiting certificate but its own", async () => {
    const [own, waiting, renewed] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const keys = new Map<number, HeldKey>([
      [
        1,
        {
          keyId: 1,
          chatKey: generateChatKey("aes-256-gcm"),
          signature: "verified",
          commitment: "matched",
          committedTo: "chat",
          committerCurrent: true,
        },
      ],
      [
        2,
        {
          keyId: 2,
          chatKey: generateChatKey("aes-256-gcm"),
          signature: "verified",
          commitment: "matched",
          committedTo: "chat",
          committerCurrent: true,
        },
      ],
    ]);
    const waits: ChatWaitList[] = [
      {
        chatId: CHAT,
        waitList: [
          entry(5, 50, waiting.certificate, [1, 2, 3]),
          entry(6, 60, renewed.certificate, [2]),
          entry(1, 10, own.certificate, [1, 2]),
        ],
      },
    ];
    const planned = planFulfilment(
      waits,
      { pid: 1, cid: 10, certificate: own.certificate, ownKey: own.ownKey },
      (_chat, keyId) => keys.get(keyId),
    );
    assert.deepEqual(
      planned.map((row) => [row.cid, row.keyId]),
      [
        [50, 1],
        [50, 2],
        [60, 2],
      ],
    );
  });

  it("skips the entries it cannot wrap for (a GOST waiter and an ECDSA session)", async () => {
    const [own, gostWaiter] = [await signerOf("ecdsa-p256"), await signerOf("gost2012-256")];
    const held: HeldKey = {
      keyId: 1,
      chatKey: generateChatKey("gost28147-cfb"),
      signature: "verified",
      commitment: "matched",
      committedTo: "chat",
      committerCurrent: true,
    };
    const planned = planFulfilment(
      [{ chatId: CHAT, waitList: [entry(5, 50, gostWaiter.certificate, [1])] }],
      { pid: 1, cid: 10, certificate: own.certificate, ownKey: own.ownKey },
      () => held,
    );
    assert.deepEqual(planned, []);
  });

  it("skips the epochs whose row from this member the recipient refused, serving the others", async () => {
    const [own, waiter] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const held = (_chat: string, keyId: number): HeldKey => ({
      keyId,
      chatKey: generateChatKey("aes-256-gcm"),
      signature: "verified",
      commitment: "matched",
      committedTo: "chat",
      committerCurrent: true,
    });
    const waiting = {
      ...entry(5, 50, waiter.certificate, [1, 2]),
      refused: [
        { keyId: 1, pid: 1 },
        { keyId: 2, pid: 2 },
      ],
    };
    const planned = planFulfilment(
      [{ chatId: CHAT, waitList: [waiting] }],
      { pid: 1, cid: 10, certificate: own.certificate, ownKey: own.ownKey },
      held,
    );
    assert.deepEqual(
      planned.map((row) => row.keyId),
      [2],
    );
  });

  it("wraps and signs planned rows: the recipient unwraps the key and the row's signature verifies", async () => {
    for (const alg of ["gost2012-256", "ecdsa-p256"] as const) {
      const [own, recipient] = [await signerOf(alg), await signerOf(alg)];
      const chatKey = generateChatKey("gost28147-cfb");
      const [row] = await wrapPlannedRows(
        [{ chatId: CHAT, pid: 5, cid: 50, recipient: recipient.certificate, keyId: 4, chatKey }],
        own,
      );
      assert.ok(row);
      assert.deepEqual([row.chatId, row.pid, row.cid, row.keyId], [CHAT, 5, 50, 4]);
      const wrappedKey = decodeBase64(row.key) as Uint8Array;
      assert.deepEqual(
        await unwrapChatKey({ wrappedKey, ownKey: recipient.ownKey, wrappingCertificate: own.certificate }),
        chatKey,
      );
      assert.equal(
        await verifyKeyRow(
          signatureVerifier(),
          own.certificate,
          { chatId: CHAT, keyId: 4, cid: 50, wrappedKey },
          row.sign,
        ),
        "verified",
      );
    }
  });
});

describe("key fulfilment: whom it trusts", () => {
  it("does not serve a certificate no trusted CA issued, listed under a member's pid", async () => {
    const [member, rogue] = [await signerOf("ecdsa-p256"), await rogueOf("ecdsa-p256")];
    const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
    await trust.vouch(2, member.certificate);
    const kept = await trustedWaits(
      [{ chatId: CHAT, waitList: [entry(2, 99, rogue.certificate, [1])] }],
      trust,
    );
    assert.deepEqual(kept, [{ chatId: CHAT, waitList: [] }]);
  });

  it("serves a renewed certificate of a member with the member's SNILS", async () => {
    const old = await signerOf("ecdsa-p256", { snils: "11223344595" });
    const renewed = await signerOf("ecdsa-p256", { snils: "11223344595" });
    const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
    await trust.vouch(2, old.certificate);
    const waits = [{ chatId: CHAT, waitList: [entry(2, 99, renewed.certificate, [1])] }];
    assert.deepEqual(await trustedWaits(waits, trust), waits);
  });

  it("learns the chat's members when a waiting profile is not known yet", async () => {
    const renewed = await signerOf("ecdsa-p256", { snils: "22334455661" });
    const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
    const learnt: string[] = [];
    const learn = async (chatId: string) => {
      learnt.push(chatId);
      await trust.vouch(3, (await signerOf("ecdsa-p256", { snils: "22334455661" })).certificate);
    };
    const waits = [{ chatId: CHAT, waitList: [entry(3, 98, renewed.certificate, [1])] }];
    assert.deepEqual(await trustedWaits(waits, trust, learn), waits);
    assert.deepEqual(learnt, [CHAT]);
  });
});

describe("key fulfilment: whom a chat's keys may go to", () => {
  it("serves a personal chat's wait list to its two members only, a chat of unknown type or named like a binding to nobody", async () => {
    const [peer, stranger] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const members = pairBinding(
      { pid: 1, identity: "ru:00000000001:-" },
      { pid: 2, identity: certificateIdentity(peer.certificate) },
    );
    const pair: ChatBindings = { creation: createBinding(0, null), pair: members };
    const group: ChatBindings = { creation: createBinding(1, "G") };
    // A group the server names after a pair's binding: rows signed over that name would bind the pair.
    const [PERSONAL, GROUP, UNKNOWN, NAMED] = ["personal", "group", "unknown", members.binding];
    // The stranger's certificate, even listed under the peer's profile, is no member's.
    const waitList = [entry(2, 20, peer.certificate, [1]), entry(2, 30, stranger.certificate, [1])];
    const bindings = new Map([
      [PERSONAL, pair],
      [GROUP, group],
      [NAMED, group],
    ]);
    const kept = await memberWaits(
      [PERSONAL, GROUP, UNKNOWN, NAMED].map((chatId) => ({ chatId, waitList })),
      async (chatId) => bindings.get(chatId),
      new CertificateTrust({ anchors: await signerOf.anchors() }),
    );
    assert.deepEqual(kept, [
      { chatId: PERSONAL, waitList: [waitList[0]] },
      { chatId: GROUP, waitList },
    ]);
  });
});

describe("key fulfilment: request size", () => {
  it("splits rows for RSA-4096 certificates into requests under the body limit", () => {
    // A wrapped key for RSA-4096 is 514 bytes (688 in base64) and its signature 512 (684): ~1.5 KiB a row.
    const row = { chatId: CHAT, pid: 1, cid: 1, keyId: 1, key: "A".repeat(688), sign: "B".repeat(684) };
    const batches = batchRows(
      Array.from({ length: 2500 }, () => row),
      MAX_ROWS_PER_REQUEST,
      MAX_REQUEST_BYTES,
    );
    assert.ok(batches.length > 3);
    assert.equal(
      batches.reduce((sum, batch) => sum + batch.length, 0),
      2500,
    );
    for (const batch of batches) assert.ok(JSON.stringify({ keys: batch }).length < MAX_REQUEST_BYTES + 1024);
  });

  it("still splits small rows at 1000 per request", () => {
    const batches = batchRows(
      Array.from({ length: 2001 }, (_, at) => at),
      MAX_ROWS_PER_REQUEST,
      MAX_REQUEST_BYTES,
    );
    assert.deepEqual(
      batches.map((batch) => batch.length),
      [1000, 1000, 1],
    );
  });
});
