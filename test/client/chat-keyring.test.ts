import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CertificateTrust, certificateIdentity } from "../../src/client/certificate-trust.ts";
import { type ChatBindings, pairBinding } from "../../src/client/chat-binding.ts";
import { ChatKeyring, type WrappedKeyRow } from "../../src/client/chat-keyring.ts";
import { signCommitment } from "../../src/client/crypto/epoch-commitment.ts";
import { createBinding, signKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import {
  type ChatKey,
  generateChatKey,
  type Signer,
  signatureVerifier,
  wrapChatKeyFor,
} from "../../src/client/index.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import type { EpochCommitmentView } from "../../src/protocol/schemas/members.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testSigners } from "./support.ts";

const signerOf = testSigners(useTempDir("certchat-keyring-"));
// A CA of the server operator's own that no user trusts.
const rogueOf = testSigners(useTempDir("certchat-keyring-rogue-"));
const verifier = signatureVerifier();
const CHAT = "5f0c1c3e-3a8e-4d0e-8f57-2b7e0f3f9c01";
const OWN_CID = 7;

/** A row of `chatKey` for `recipient`, wrapped (and signed unless `sign` is given) by `wrapper`. */
async function rowFor(
  wrapper: Signer,
  recipient: Signer,
  keyId: number,
  chatKey: ChatKey,
  sign?: string | null,
): Promise<WrappedKeyRow> {
  const wrappedKey = await wrapChatKeyFor({
    chatKey,
    recipientCertificate: recipient.certificate,
    ...(wrapper.ownKey.kind === "gost" ? { senderKey: wrapper.ownKey } : {}),
  });
  return {
    keyId,
    key: encodeBase64(wrappedKey),
    cert: encodeBase64(wrapper.certificate),
    sign:
      sign === undefined
        ? await signKeyRow(wrapper, { chatId: CHAT, keyId, cid: OWN_CID, wrappedKey })
        : sign,
  };
}

/**
 * A keyring of `own` whose `keys` source is `rows`; `asked` records each fetch's epochs, `refused` each
 * refuseKeys call's.
 */
function keyringOf(
  own: Signer,
  rows: WrappedKeyRow[],
  asked: (readonly number[] | undefined)[] = [],
  refused: (readonly number[])[] = [],
) {
  return new ChatKeyring({
    ownKey: own.ownKey,
    ownCid: async () => OWN_CID,
    verifier,
    // Chain and identity rules are tested on their own below: here every certificate counts.
    trust: new CertificateTrust({ serverCertificates: true }),
    fetchRows: async (_chat, keyIds) => {
      asked.push(keyIds);
      return rows.filter((row) => !keyIds || keyIds.includes(row.keyId));
    },
    refuseRows: async (_chat, keyIds) => {
      refused.push(keyIds);
    },
  });
}

/** A row a member signed properly over bytes that are no key wrapped for us (finding 5 of issue 13's review). */
async function bogusRow(wrapper: Signer, keyId: number): Promise<WrappedKeyRow> {
  const wrappedKey = new Uint8Array(120).fill(7);
  return {
    keyId,
    key: encodeBase64(wrappedKey),
    cert: encodeBase64(wrapper.certificate),
    sign: await signKeyRow(wrapper, { chatId: CHAT, keyId, cid: OWN_CID, wrappedKey }),
  };
}

describe("chat keyring", () => {
  it("unwraps signed rows of several epochs and lists them newest first", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const keys = [generateChatKey("aes-256-gcm"), generateChatKey("aes-256-gcm")];
    const keyring = keyringOf(own, []);
    await keyring.add(CHAT, await rowFor(wrapper, own, 1, keys[0] as ChatKey));
    const second = await keyring.add(CHAT, await rowFor(wrapper, own, 2, keys[1] as ChatKey));
    assert.equal(second.signature, "verified");
    assert.deepEqual(
      keyring.allHeld(CHAT).map((held) => [held.keyId, held.chatKey]),
      [
        [2, keys[1]],
        [1, keys[0]],
      ],
    );
  });

  it("refuses a row whose signature does not verify and keeps no key for its epoch", async () => {
    const [own, wrapper, other] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    const honest = await rowFor(wrapper, own, 2, chatKey);
    // Signed for epoch 3, presented as epoch 2: the signature binds the epoch.
    const replayed = { ...honest, sign: (await rowFor(wrapper, own, 3, chatKey)).sign };
    const keyring = keyringOf(own, []);
    await assert.rejects(keyring.add(CHAT, replayed), /does not verify/);
    // Signed by someone else than the row's wrapper.
    const foreign = {
      ...honest,
      sign: await signKeyRow(other, {
        chatId: CHAT,
        keyId: 2,
        cid: OWN_CID,
        wrappedKey: new Uint8Array(Buffer.from(honest.key, "base64")),
      }),
    };
    await assert.rejects(keyring.add(CHAT, foreign), /does not verify/);
    assert.equal(keyring.held(CHAT, 2), undefined);
  });

  it("gives a signed row that does not unwrap back to the server (refuseKeys) and keeps the good ones", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const refused: (readonly number[])[] = [];
    const keyring = keyringOf(
      own,
      [await rowFor(wrapper, own, 1, chatKey), await bogusRow(wrapper, 2)],
      [],
      refused,
    );
    const { refused: failures } = await keyring.fetch(CHAT);
    assert.deepEqual(refused, [[2]]);
    assert.match(String(failures[0]?.message), /epoch 2 does not verify, unwrap or match/);
    assert.deepEqual(keyring.held(CHAT, 1)?.chatKey, chatKey);
    assert.equal(keyring.held(CHAT, 2), undefined);
  });

  it("gives back a row whose signature does not verify", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const honest = await rowFor(wrapper, own, 2, chatKey);
    const replayed = { ...honest, sign: (await rowFor(wrapper, own, 3, chatKey)).sign };
    const refused: (readonly number[])[] = [];
    await keyringOf(own, [replayed], [], refused).fetch(CHAT, [2]);
    assert.deepEqual(refused, [[2]]);
  });

  it("accepts an unsigned GOST row (v1 createChat) and says so", async () => {
    const [own, wrapper] = [await signerOf("gost2012-256"), await signerOf("gost2012-256")];
    const keyring = keyringOf(own, []);
    const held = await keyring.add(
      CHAT,
      await rowFor(wrapper, own, 1, generateChatKey("gost28147-cfb"), null),
    );
    assert.equal(held.signature, "unsigned");
  });

  it("refuses an unsigned epoch-1 standard row and gives it back: anyone can wrap a key of its choosing for us", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const refused: (readonly number[])[] = [];
    const keyring = keyringOf(
      own,
      [await rowFor(wrapper, own, 1, generateChatKey("aes-256-gcm"), null)],
      [],
      refused,
    );
    await assert.rejects(keyring.require(CHAT, 1), /no key for epoch 1/);
    assert.deepEqual(refused, [[1]]);
  });

  it("unwraps a GOST row by its static VKO with the wrapping certificate", async () => {
    const [own, wrapper] = [await signerOf("gost2012-256"), await signerOf("gost2012-256")];
    const chatKey = generateChatKey("gost28147-cfb");
    const keyring = keyringOf(own, []);
    const held = await keyring.add(CHAT, await rowFor(wrapper, own, 1, chatKey));
    assert.deepEqual(held.chatKey, chatKey);
  });

  it("fetches only the epochs it lacks, and says which epoch it has no key for", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const rows = [
      await rowFor(wrapper, own, 1, generateChatKey("aes-256-gcm")),
      await rowFor(wrapper, own, 2, generateChatKey("aes-256-gcm")),
    ];
    const asked: (readonly number[] | undefined)[] = [];
    const keyring = keyringOf(own, rows, asked);
    await keyring.require(CHAT, 2);
    await keyring.require(CHAT, 2);
    await keyring.fetch(CHAT, [1, 2]);
    await assert.rejects(keyring.require(CHAT, 3), /no key for epoch 3 of chat/);
    assert.deepEqual(asked, [[2], [1], [3]]);
  });

  it("asks for every epoch once, and again only after the current epoch moved", async () => {
    const own = await signerOf("ecdsa-p256");
    const asked: (readonly number[] | undefined)[] = [];
    const keyring = keyringOf(own, [], asked);
    await keyring.fetch(CHAT);
    await keyring.fetch(CHAT);
    keyring.setCurrent(CHAT, 2);
    await keyring.fetch(CHAT);
    assert.deepEqual(asked, [undefined, undefined]);
  });

  it("keeps the good rows of a fetch and reports the refused ones", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const good = await rowFor(wrapper, own, 1, generateChatKey("aes-256-gcm"));
    const bad = { ...(await rowFor(wrapper, own, 2, generateChatKey("aes-256-gcm"))), sign: good.sign };
    const keyring = keyringOf(own, [good, bad]);
    const { refused } = await keyring.fetch(CHAT);
    assert.equal(refused.length, 1);
    assert.deepEqual(
      keyring.allHeld(CHAT).map((held) => held.keyId),
      [1],
    );
  });

  it("moves a chat's current epoch only forward, and forgets a dropped chat", async () => {
    const keyring = keyringOf(await signerOf("ecdsa-p256"), []);
    keyring.setCurrent(CHAT, 3);
    keyring.setCurrent(CHAT, 2);
    assert.equal(keyring.current(CHAT), 3);
    keyring.remember(CHAT, 3, generateChatKey("aes-256-gcm"), "chat");
    keyring.drop(CHAT);
    assert.equal(keyring.current(CHAT), undefined);
    assert.equal(keyring.held(CHAT, 3), undefined);
  });
});

/** A keyring of `own` that trusts the members' CA and knows `members`' identities (as profiles 2, 3, …). */
async function anchoredKeyring(own: Signer, members: Signer[], bindings?: ChatBindings) {
  const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
  for (const [at, member] of members.entries()) await trust.vouch(at + 2, member.certificate);
  return new ChatKeyring({
    ownKey: own.ownKey,
    ownCid: async () => OWN_CID,
    verifier,
    trust,
    fetchRows: async () => [],
    ...(bindings ? { bindings: async () => bindings } : {}),
  });
}

describe("chat keyring against a lying server", () => {
  it("does not give back a row whose wrapper it does not trust: that is its trust, not evidence against the row", async () => {
    const [own, rogue] = [await signerOf("ecdsa-p256"), await rogueOf("ecdsa-p256")];
    const trust = new CertificateTrust({ anchors: await signerOf.anchors() });
    const refused: (readonly number[])[] = [];
    const row = await rowFor(rogue, own, 2, generateChatKey("aes-256-gcm"));
    const keyring = new ChatKeyring({
      ownKey: own.ownKey,
      ownCid: async () => OWN_CID,
      verifier,
      trust,
      fetchRows: async () => [row],
      refuseRows: async (_chat, keyIds) => {
        refused.push(keyIds);
      },
    });
    const { refused: failures } = await keyring.fetch(CHAT, [2]);
    assert.match(String(failures[0]?.message), /does not chain to a trust anchor/);
    assert.deepEqual(refused, []);
  });

  it("refuses a row wrapped and signed by a certificate no trusted CA issued", async () => {
    const [own, rogue] = [await signerOf("ecdsa-p256"), await rogueOf("ecdsa-p256")];
    const keyring = await anchoredKeyring(own, [await signerOf("ecdsa-p256")]);
    await assert.rejects(
      keyring.add(CHAT, await rowFor(rogue, own, 2, generateChatKey("aes-256-gcm"))),
      /does not chain to a trust anchor/,
    );
  });

  it("refuses a row wrapped by a trusted CA's certificate that is no member's", async () => {
    const [own, stranger] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const keyring = await anchoredKeyring(own, [await signerOf("ecdsa-p256")]);
    await assert.rejects(
      keyring.add(CHAT, await rowFor(stranger, own, 2, generateChatKey("aes-256-gcm"))),
      /not a current member's/,
    );
  });

  it("accepts a row signed by a member's certificate", async () => {
    const [own, member] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const keyring = await anchoredKeyring(own, [member]);
    const held = await keyring.add(CHAT, await rowFor(member, own, 2, generateChatKey("aes-256-gcm")));
    assert.equal(held.signature, "verified");
  });

  it("refuses an unsigned row of a later epoch (its sign stripped by the server)", async () => {
    const [own, member] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const keyring = await anchoredKeyring(own, [member]);
    await assert.rejects(
      keyring.add(CHAT, await rowFor(member, own, 2, generateChatKey("aes-256-gcm"), null)),
      /not signed/,
    );
  });

  it("refuses a createChat row of another chat (another name) as the key of this one", async () => {
    const [own, alice] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const wrappedKey = await wrapChatKeyFor({ chatKey, recipientCertificate: own.certificate });
    // What Alice's createChat of group "A" stored for us; the server serves it as epoch 1 of group "B".
    const sign = await signKeyRow(alice, {
      chatId: createBinding(1, "A"),
      keyId: 1,
      cid: OWN_CID,
      wrappedKey,
    });
    const row = { keyId: 1, key: encodeBase64(wrappedKey), cert: encodeBase64(alice.certificate), sign };
    const keyring = await anchoredKeyring(own, [alice], { creation: createBinding(1, "B") });
    await assert.rejects(keyring.add(CHAT, row), /does not verify/);
    const genuine = await anchoredKeyring(own, [alice], { creation: createBinding(1, "A") });
    assert.equal((await genuine.add(CHAT, row)).signature, "verified");
  });
});

/** The epoch commitment `creator` signs for `chatKey` (binding: the chat id, or createChat's binding), as served. */
async function commitmentOf(
  creator: Signer,
  keyId: number,
  chatKey: ChatKey,
  binding = CHAT,
): Promise<EpochCommitmentView> {
  const signed = await signCommitment(creator, { binding, keyId }, chatKey);
  return { ...signed, cert: encodeBase64(creator.certificate), by: 1 };
}

describe("chat keyring and epoch key commitments", () => {
  it("refuses a properly signed row that unwraps to a key other than the committed one, then takes an honest member's row", async () => {
    const [own, creator, mallory] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    const commitment = await commitmentOf(creator, 2, chatKey);
    // Mallory's row is signed and unwraps fine: only the commitment tells that its key is not the epoch's.
    const wrong = { ...(await rowFor(mallory, own, 2, generateChatKey("aes-256-gcm"))), commitment };
    const rows = [wrong];
    const refused: (readonly number[])[] = [];
    const keyring = keyringOf(own, rows, [], refused);
    const { refused: failures } = await keyring.fetch(CHAT, [2]);
    assert.deepEqual(refused, [[2]]);
    assert.match(String(failures[0]?.message), /is not the one the key commitment of chat .*, epoch 2 names/);
    assert.equal(keyring.held(CHAT, 2), undefined);

    rows[0] = { ...(await rowFor(creator, own, 2, chatKey)), commitment };
    const held = await keyring.require(CHAT, 2);
    assert.deepEqual([held.chatKey, held.commitment], [chatKey, "matched"]);
  });

  it("rejects, without refusing the row, a commitment whose signature is not by its certificate", async () => {
    const [own, creator, forger] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    // The forger signs a commitment of its own and presents it as the creator's.
    const forged = { ...(await commitmentOf(forger, 2, chatKey)), cert: encodeBase64(creator.certificate) };
    const refused: (readonly number[])[] = [];
    const keyring = keyringOf(
      own,
      [{ ...(await rowFor(creator, own, 2, chatKey)), commitment: forged }],
      [],
      refused,
    );
    const { refused: failures } = await keyring.fetch(CHAT, [2]);
    assert.match(String(failures[0]?.message), /signature does not verify for this chat and epoch/);
    assert.deepEqual(refused, []);
    assert.equal(keyring.held(CHAT, 2), undefined);
  });

  it("rejects a commitment made for another epoch or another chat", async () => {
    const [own, creator] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const row = await rowFor(creator, own, 2, chatKey);
    const keyring = keyringOf(own, []);
    for (const commitment of [
      await commitmentOf(creator, 3, chatKey),
      await commitmentOf(creator, 2, chatKey, "6a1d2f4e-0000-4000-8000-000000000000"),
    ])
      await assert.rejects(
        keyring.add(CHAT, { ...row, commitment }),
        /signature does not verify for this chat and epoch/,
      );
    assert.equal(keyring.held(CHAT, 2), undefined);
  });

  it("rejects a commitment signed by a certificate that is no trusted member's", async () => {
    const [own, member, stranger] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    const keyring = await anchoredKeyring(own, [member]);
    const row = {
      ...(await rowFor(member, own, 2, chatKey)),
      commitment: await commitmentOf(stranger, 2, chatKey),
    };
    await assert.rejects(keyring.add(CHAT, row), /its signing certificate is not a current member's/);
    const honest = { ...row, commitment: await commitmentOf(member, 2, chatKey) };
    assert.equal((await keyring.add(CHAT, honest)).commitment, "matched");
  });

  it("accepts createChat's epoch-1 commitment, made over the chat's creation binding", async () => {
    const [own, creator] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const binding = createBinding(1, "A");
    const wrappedKey = await wrapChatKeyFor({ chatKey, recipientCertificate: own.certificate });
    const sign = await signKeyRow(creator, { chatId: binding, keyId: 1, cid: OWN_CID, wrappedKey });
    const row = {
      keyId: 1,
      key: encodeBase64(wrappedKey),
      cert: encodeBase64(creator.certificate),
      sign,
      commitment: await commitmentOf(creator, 1, chatKey, binding),
    };
    const keyring = await anchoredKeyring(own, [creator], { creation: binding });
    assert.equal((await keyring.add(CHAT, row)).commitment, "matched");
  });

  it("checks a GOST epoch's key against its Streebog-256 commitment, made by a GOST creator", async () => {
    const [own, creator, mallory] = [
      await signerOf("gost2012-256"),
      await signerOf("gost2012-256"),
      await signerOf("gost2012-256"),
    ];
    const chatKey = generateChatKey("gost28147-cfb");
    const commitment = await commitmentOf(creator, 2, chatKey);
    const keyring = keyringOf(own, []);
    const held = await keyring.add(CHAT, { ...(await rowFor(creator, own, 2, chatKey)), commitment });
    assert.equal(held.commitment, "matched");
    const wrong = {
      ...(await rowFor(mallory, own, 3, generateChatKey("gost28147-cfb"))),
      commitment: await commitmentOf(creator, 3, chatKey),
    };
    await assert.rejects(keyring.add(CHAT, wrong), /is not the one the key commitment/);
  });

  it("uses the key of an epoch without a commitment as before, and says so", async () => {
    const [own, wrapper] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const keyring = keyringOf(own, []);
    const held = await keyring.add(CHAT, { ...(await rowFor(wrapper, own, 2, chatKey)), commitment: null });
    assert.deepEqual([held.chatKey, held.commitment], [chatKey, "absent"]);
  });
});

describe("chat keyring and a personal chat's pair binding", () => {
  /** The bindings of our personal chat with `peer` (profiles 1 and 2; a third user would be 3). */
  function pairOf(own: Signer, peer: Signer, peerPid = 2): ChatBindings {
    return {
      creation: createBinding(0, null),
      pair: pairBinding(
        { pid: 1, identity: certificateIdentity(own.certificate, true) },
        { pid: peerPid, identity: certificateIdentity(peer.certificate, true) },
      ),
    };
  }

  /** createChat's epoch-1 row for us by `creator`, signed over `binding` (the chat has no id yet). */
  async function creationRow(creator: Signer, own: Signer, chatKey: ChatKey, binding: string) {
    const wrappedKey = await wrapChatKeyFor({ chatKey, recipientCertificate: own.certificate });
    const sign = await signKeyRow(creator, { chatId: binding, keyId: 1, cid: OWN_CID, wrappedKey });
    return { keyId: 1, key: encodeBase64(wrappedKey), cert: encodeBase64(creator.certificate), sign };
  }

  it("takes a key committed to the pair by one of the two, and says it is bound to them", async () => {
    const [own, peer] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const bindings = pairOf(own, peer);
    const binding = bindings.pair?.binding as string;
    const row = {
      ...(await creationRow(peer, own, chatKey, binding)),
      commitment: await commitmentOf(peer, 1, chatKey, binding),
    };
    const held = await (await anchoredKeyring(own, [peer], bindings)).add(CHAT, row);
    assert.deepEqual([held.commitment, held.committedTo], ["matched", "pair"]);
  });

  it("does not use a key committed to the pair by a third user it trusts", async () => {
    const [own, peer, third] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    const bindings = pairOf(own, peer);
    const row = {
      ...(await rowFor(third, own, 2, chatKey)),
      commitment: await commitmentOf(third, 2, chatKey, bindings.pair?.binding),
    };
    const keyring = await anchoredKeyring(own, [peer, third], bindings);
    await assert.rejects(keyring.add(CHAT, row), /is not one of the chat's two members'/);
    assert.equal(keyring.held(CHAT, 2), undefined);
  });

  it("does not take the rows or commitment of another pair's chat", async () => {
    const [own, peer, third] = [
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
      await signerOf("ecdsa-p256"),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    // Our chat with the third user, whose rows the peer (a member of neither) could not have made: the server's.
    const elsewhere = pairOf(own, third, 3).pair?.binding as string;
    const keyring = await anchoredKeyring(own, [peer], pairOf(own, peer));
    await assert.rejects(
      keyring.add(CHAT, await creationRow(peer, own, chatKey, elsewhere)),
      /does not verify/,
    );
    const row = {
      ...(await rowFor(peer, own, 2, chatKey)),
      commitment: await commitmentOf(peer, 2, chatKey, elsewhere),
    };
    await assert.rejects(keyring.add(CHAT, row), /signature does not verify for this chat and epoch/);
  });

  it("holds a personal chat's key committed to its type and name only as bound to its creation, not the pair", async () => {
    const [own, peer] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const row = {
      ...(await creationRow(peer, own, chatKey, createBinding(0, null))),
      commitment: await commitmentOf(peer, 1, chatKey, createBinding(0, null)),
    };
    const held = await (await anchoredKeyring(own, [peer], pairOf(own, peer))).add(CHAT, row);
    assert.equal(held.committedTo, "creation");
  });
});

describe("chat keyring and a member's certificate that expired since", () => {
  // Inside the test CA's own validity (from an hour ago): valid for forty minutes, expired ten minutes ago.
  const expired = (snils: string) =>
    signerOf("ecdsa-p256", {
      snils,
      notBefore: new Date(Date.now() - 50 * 60_000),
      notAfter: new Date(Date.now() - 10 * 60_000),
    });

  it("takes a key a member wrapped and committed to with a certificate that expired since (its renewal keeps its keys)", async () => {
    const own = await signerOf("ecdsa-p256");
    const [before, renewed] = [
      await expired("77700000001"),
      await signerOf("ecdsa-p256", { snils: "77700000001" }),
    ];
    const chatKey = generateChatKey("aes-256-gcm");
    const row = {
      ...(await rowFor(before, own, 2, chatKey)),
      commitment: await commitmentOf(before, 2, chatKey),
    };
    // The member is known by its renewed certificate: the same person, the same identity.
    const held = await (await anchoredKeyring(own, [renewed])).add(CHAT, row);
    assert.deepEqual([held.chatKey, held.commitment, held.committerCurrent], [chatKey, "matched", false]);
  });

  it("says a commitment's signer chains now when it does", async () => {
    const [own, member] = [await signerOf("ecdsa-p256"), await signerOf("ecdsa-p256")];
    const chatKey = generateChatKey("aes-256-gcm");
    const row = {
      ...(await rowFor(member, own, 2, chatKey)),
      commitment: await commitmentOf(member, 2, chatKey),
    };
    assert.equal((await (await anchoredKeyring(own, [member])).add(CHAT, row)).committerCurrent, true);
  });

  it("still refuses a wrapper of a CA it does not trust, expired or not", async () => {
    const [own, rogue] = [
      await signerOf("ecdsa-p256"),
      await rogueOf("ecdsa-p256", {
        notBefore: new Date(Date.now() - 50 * 60_000),
        notAfter: new Date(Date.now() - 10 * 60_000),
      }),
    ];
    const keyring = await anchoredKeyring(own, []);
    await assert.rejects(
      keyring.add(CHAT, await rowFor(rogue, own, 2, generateChatKey("aes-256-gcm"))),
      /does not chain to a trust anchor/,
    );
  });
});
