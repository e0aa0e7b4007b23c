import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planChatCreation } from "../../src/client/chat-creation.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-chat-creation-"));

const cids = (list: readonly { cid: number }[]) => list.map(({ cid }) => cid);

describe("chat creation planning", () => {
  it("leaves out a GOST certificate of another key-agreement group and wraps a GOST key for the rest", async () => {
    const [own, wide, ecdsa] = [
      await signerOf("gost2012-256"),
      await signerOf("gost2012-512"),
      await signerOf("ecdsa-p256"),
    ];
    const plan = planChatCreation(
      [1, 2],
      [
        { pid: 1, cid: 10, der: own.certificate },
        { pid: 2, cid: 20, der: wide.certificate },
        { pid: 2, cid: 21, der: ecdsa.certificate },
      ],
      own,
    );
    assert.equal(plan.chatKey.kind, "gost28147-cfb");
    assert.deepEqual(cids(plan.recipients), [10, 21]);
    assert.deepEqual(cids(plan.waiting), [20]);
  });

  it("gives a chat of standard certificates an AES key and leaves nobody waiting", async () => {
    const [own, peer] = [await signerOf("ecdsa-p256"), await signerOf("rsa-2048")];
    const plan = planChatCreation(
      [1, 2],
      [
        { pid: 1, cid: 10, der: own.certificate },
        { pid: 2, cid: 20, der: peer.certificate },
      ],
      own,
    );
    assert.equal(plan.chatKey.kind, "aes-256-gcm");
    assert.deepEqual(cids(plan.recipients), [10, 20]);
    assert.deepEqual(plan.waiting, []);
  });

  it("names every profile left without a certificate to wrap for, with the reasons", async () => {
    const [own, gost, wide] = [
      await signerOf("ecdsa-p256"),
      await signerOf("gost2012-256"),
      await signerOf("gost2012-512"),
    ];
    assert.throws(
      () =>
        planChatCreation(
          [1, 2, 3],
          [
            { pid: 1, cid: 10, der: own.certificate },
            { pid: 2, cid: 20, der: gost.certificate },
            { pid: 3, cid: 30, der: wide.certificate },
          ],
          own,
        ),
      /for no certificate of profile 2 \(certificate 20: only a GOST key can wrap .*\), 3 \(certificate 30: only a GOST key/,
    );
  });

  it("throws for a certificate it cannot read rather than leaving it out", async () => {
    const own = await signerOf("ecdsa-p256");
    assert.throws(
      () =>
        planChatCreation(
          [1, 2],
          [
            { pid: 1, cid: 10, der: own.certificate },
            { pid: 2, cid: 20, der: Uint8Array.of(1, 2, 3) },
            { pid: 2, cid: 21, der: own.certificate },
          ],
          own,
        ),
      /not valid DER/,
    );
  });
});
