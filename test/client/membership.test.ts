import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planRotation, rotationDelayMs } from "../../src/client/membership.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import type { ChatMember, ChatMembersData } from "../../src/protocol/schemas/members.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-membership-"));

function member(
  pid: number,
  role: ChatMember["role"],
  certificates: [number, Uint8Array, boolean][],
): ChatMember {
  return {
    pid,
    uid: pid,
    user: `user ${pid}`,
    name: `user ${pid}`,
    title: null,
    phone: `7900000000${pid}`,
    photo: null,
    type: 1,
    role,
    joined: 0,
    certificates: certificates.map(([id, der, hasKey]) => ({ id, cert: encodeBase64(der), hasKey })),
  };
}

function chat(members: ChatMember[], waiting: number[] = []): ChatMembersData {
  return {
    chatId: "c",
    chatType: 1,
    keyId: 2,
    version: 5,
    rotationDue: false,
    members,
    waitList: waiting.map((cid) => ({
      pid: 0,
      cid,
      cert: "",
      since: 0,
      keyIds: [2],
      wrapWith: null,
      fulfillable: true,
      refused: [],
    })),
  };
}

describe("rotation planning", () => {
  it("wraps the new epoch for key holders and waiting certificates, never for the removed member", async () => {
    const [a, b, c] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const data = chat(
      [
        member(1, "owner", [[11, a.certificate, true]]),
        member(2, "member", [
          [21, b.certificate, true],
          [22, c.certificate, false],
          [23, c.certificate, false],
        ]),
        member(3, "member", [[31, c.certificate, true]]),
      ],
      [22],
    );
    const plan = planRotation(data, 3);
    assert.deepEqual(
      plan.recipients.map((recipient) => [recipient.pid, recipient.cid]),
      [
        [1, 11],
        [2, 21],
        [2, 22],
      ],
    );
    assert.equal(plan.kind, "aes-256-gcm");
  });

  it("makes a GOST key while a remaining member holds a GOST certificate, AES once it is removed", async () => {
    const [ecdsa, gost] = [await signerOf("ecdsa-p256"), await signerOf("gost2012-256")];
    const data = chat([
      member(1, "owner", [[11, ecdsa.certificate, true]]),
      member(2, "member", [[21, gost.certificate, true]]),
    ]);
    assert.equal(planRotation(data).kind, "gost28147-cfb");
    assert.equal(planRotation(data, 2).kind, "aes-256-gcm");
  });

  it("lets owners and admins rotate first after a leave, members only after 10 s", () => {
    for (const random of [0, 0.5, 0.999]) {
      for (const role of ["owner", "admin"] as const) assert.ok(rotationDelayMs(role, () => random) < 2_000);
      const member = rotationDelayMs("member", () => random);
      assert.ok(member >= 10_000 && member < 20_000);
    }
  });
});
