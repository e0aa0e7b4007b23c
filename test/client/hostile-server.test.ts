/**
 * The SDK against a malicious server (docs/CRYPTO.md: the server is trusted neither for confidentiality nor for
 * integrity, nor for saying whose certificate is whose): a real server behind a proxy that rewrites its answers.
 * Each test names the attack and asserts what the SDK must do instead of trusting the forgery.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { certificateIdentity } from "../../src/client/certificate-trust.ts";
import { pairBinding } from "../../src/client/chat-binding.ts";
import {
  decryptContent,
  encryptContent,
  generateChatKey,
  Messenger,
  signatureVerifier,
  wrapChatKeyFor,
} from "../../src/client/index.ts";
import { CertchatSocket } from "../../src/client/socket.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import type { Contact } from "../../src/protocol/schemas/chats.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import { chatServerEnv } from "../support/chats.ts";
import { EventRelay } from "../support/event-relay.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { eventually } from "../support/sockets.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { HostileServer, loginThrough } from "./hostile-server.ts";
import { legacyPersonalChat, type SdkUser, sdkUser, serverAnchors, testSigners } from "./support.ts";

// A CA of the server operator's own, which no client trusts.
const rogueOf = testSigners(useTempDir("certchat-hostile-rogue-"));

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

  /**
   * A second session of `user` through the hostile server; its rewrites are cleared when the test ends, and what
   * earlier tests' sessions asked is forgotten when it starts.
   */
  async function throughHostile(user: SdkUser, t: { after: (fn: () => void) => void }): Promise<Messenger> {
    t.after(() => hostile.rewrites.clear());
    hostile.asked.length = 0;
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
      await wrapChatKeyFor({
        chatKey: attackerKey,
        recipientCertificate: alice.messenger.signer.certificate,
      }),
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

  it("integrity: a member's message relabelled as another member's, her certificate listed as his, is not verified", async (t) => {
    const group = await owner.messenger.createGroup("relabelled", [alice.phone, mallory.phone]);
    const chat = group.chatId as string;
    await mallory.messenger.sendText(chat, "Переведите деньги на мой счёт");
    const [alicePid, mallorySelf] = [
      (await alice.messenger.profile()).pid,
      await mallory.messenger.profile(),
    ];
    const malloryCert = { id: mallorySelf.cid, cert: encodeBase64(mallory.messenger.signer.certificate) };
    // The server lists Mallory's certificate as one of Alice's, wherever it lists certificates, and says her
    // message is Alice's.
    const relist = <H extends { pid: number; certificates: { id: number }[] }>(holder: H): H => ({
      ...holder,
      certificates:
        holder.pid === alicePid
          ? [...holder.certificates, malloryCert]
          : holder.certificates.filter((certificate) => certificate.id !== malloryCert.id),
    });
    hostile.rewrites.set("contacts", (data) => (data as Contact[]).map(relist));
    hostile.rewrites.set("chatMembers", (data) => {
      const members = data as { members: Contact[] };
      return { ...members, members: members.members.map(relist) };
    });
    hostile.rewrites.set("messages", (data) =>
      (data as Message[]).map((message) =>
        message.pid === mallorySelf.pid ? { ...message, pid: alicePid, user: alice.name } : message,
      ),
    );
    const reader = await throughHostile(owner, t);
    // The reader's user named Alice by her phone: her identity is the one her certificate carries (the first
    // listed); Mallory's, listed beside it, makes the look-up throw.
    await assert.rejects(reader.lookUp([alice.phone]), /a certificate of another subject/);
    const [read] = await reader.history(chat);
    assert.equal(read?.message.pid, alicePid);
    assert.equal(read?.signature, "invalid");
    assert.match(String(read?.problem), /is not of profile \d+'s subject/);
  });

  it("integrity: a message signed by a certificate of a CA the reader does not trust, listed as a member's, is not verified", async (t) => {
    const group = await owner.messenger.createGroup("rogue certificate", [alice.phone]);
    const chat = group.chatId as string;
    const alicePid = (await alice.messenger.profile()).pid;
    // The server's own CA issues a certificate with Alice's name and SNILS; a member who holds the chat key
    // (colluding with the server) writes in her name and signs with it.
    const rogue = await rogueOf("ecdsa-p256", { snils: alice.snils });
    const rogueCert = { id: 2_000_000_001, cert: encodeBase64(rogue.certificate) };
    const plaintext = new TextEncoder().encode("Встреча отменяется");
    const forged: Message = {
      id: 2_000_000_000,
      chat,
      pid: alicePid,
      cid: rogueCert.id,
      user: alice.name,
      data: encodeBase64(
        await encryptContent((await owner.messenger.keyring.require(chat, 1)).chatKey, plaintext),
      ),
      sign: encodeBase64(await rogue.sign(plaintext)),
      cms: null,
      type: "txt",
      file: null,
      time: Math.floor(Date.now() / 1000),
      keyId: 1,
    };
    const relist = <H extends { pid: number; certificates: { id: number }[] }>(holder: H): H =>
      holder.pid === alicePid ? { ...holder, certificates: [...holder.certificates, rogueCert] } : holder;
    hostile.rewrites.set("contacts", (data) => (data as Contact[]).map(relist));
    hostile.rewrites.set("chatMembers", (data) => {
      const members = data as { members: Contact[] };
      return { ...members, members: members.members.map(relist) };
    });
    hostile.rewrites.set("messages", (data, request) =>
      (request as { chat?: string }).chat === chat ? [...(data as Message[]), forged] : data,
    );
    const reader = await throughHostile(owner, t);
    const [read] = await reader.history(chat);
    assert.equal(read?.text, "Встреча отменяется");
    assert.equal(read?.signature, "unknown-certificate");
    assert.match(String(read?.problem), /does not chain to a trust anchor/);
  });

  it("integrity: another chat's messages served as a chat's history page are refused, not shown as its own", async (t) => {
    const agreed = (await owner.messenger.createGroup("where it was said", [alice.phone])).chatId as string;
    const elsewhere = (await owner.messenger.createGroup("where it is shown", [alice.phone]))
      .chatId as string;
    await alice.messenger.sendText(agreed, "Да, согласна");
    const replayed = await owner.messenger.api.messages({ chat: agreed });
    hostile.rewrites.set("messages", (data, request) =>
      (request as { chat?: string }).chat === elsewhere ? replayed : data,
    );
    const reader = await throughHostile(owner, t);
    await assert.rejects(reader.history(elsewhere), /holds message \d+ of another chat/);
  });

  it("availability: a file search whose pages never go back in time ends instead of asking forever", async (t) => {
    const chat = (await owner.messenger.createGroup("endless files", [alice.phone])).chatId as string;
    await owner.messenger.sendFile(chat, { content: new TextEncoder().encode("x"), name: "a.txt" });
    const [real] = await owner.messenger.api.messages({ chat, type: "file" });
    assert.ok(real);
    // A full page (50) of the same messages, every time; the 20th time an empty one, so the old code ends too.
    const page = Array.from({ length: 50 }, (_, i) => ({ ...real, id: real.id + i, file: `other-${i}` }));
    let pages = 0;
    hostile.rewrites.set("messages", () => {
      pages += 1;
      return pages >= 20 ? [] : page;
    });
    const reader = await throughHostile(owner, t);
    await assert.rejects(reader.downloadFile(chat, "absent"), /does not start before it/);
    assert.equal(pages, 2);
  });

  it("availability: a history page of malformed messages reads as unverified, without throwing or hanging", async (t) => {
    const chat = (await owner.messenger.createGroup("malformed", [alice.phone])).chatId as string;
    await alice.messenger.sendText(chat, "настоящее");
    const [real] = await owner.messenger.api.messages({ chat });
    assert.ok(real);
    // Broken content or signer: not verified. A broken epoch label or time over genuine content: the content is
    // still the sender's (another held epoch decrypts it, as for a v1 sender), so it verifies.
    const broken: [Record<string, unknown>, boolean][] = [
      [{ data: "%%% not base64 %%%" }, false],
      [{ data: "A".repeat(8 * 1024 * 1024) }, false],
      [{ data: null }, false],
      [{ sign: "!!" }, false],
      [{ sign: "A".repeat(4 * 1024 * 1024) }, false],
      [{ cid: -1 }, false],
      [{ cid: null }, false],
      [{ pid: null }, false],
      [{ keyId: -1 }, true],
      [{ keyId: 2 ** 60 }, true],
      [{ keyId: "1" }, true],
      [{ time: 1e20 }, true],
    ];
    hostile.rewrites.set("messages", () =>
      broken.map(([fields], i) => ({ ...real, id: real.id + i, ...fields })),
    );
    const reader = await throughHostile(owner, t);
    const read = await reader.history(chat);
    assert.deepEqual(
      read.map((one, i) => [JSON.stringify(broken[i]?.[0]).slice(0, 30), one.signature === "verified"]),
      broken.map(([fields, verifies]) => [JSON.stringify(fields).slice(0, 30), verifies]),
    );
  });

  it("availability: live messages and chat events a client cannot read are dropped, not thrown out of socket.io", async () => {
    const chat = (await owner.messenger.createGroup("malformed events", [alice.phone])).chatId as string;
    const relay = new EventRelay(server.url);
    const socket = new CertchatSocket({
      server: await relay.start(),
      token: owner.messenger.api.token ?? "",
    });
    const received: Message[] = [];
    const changed: string[] = [];
    socket.onMessage((message) => received.push(message));
    // What Messenger.listen's own listener reads first.
    socket.on("chatChanged", (event) => changed.push(event.chatId));
    try {
      await socket.connect();
      await socket.subscribe(chat);
      for (const payload of [null, 7, "x", { chat: 5, id: 1 }, { chat, id: "1" }])
        relay.inject("messages", payload);
      const changes = [
        null,
        {},
        { chatId: chat, keyId: "2" },
        { chatId: chat, keyId: 1, rotationDue: "yes" },
      ];
      for (const payload of changes) relay.inject("chatChanged", payload);
      // The barrier: a real message and a real event after the forged ones, on the same connection.
      relay.inject("chatChanged", { chatId: chat, keyId: 1, version: 1, rotationDue: false });
      const live = await alice.messenger.sendText(chat, "после мусора");
      await eventually(() => received.length >= 1 && changed.length >= 1, "the real message and event");
      assert.deepEqual(
        received.map((message) => message.id),
        [live.id],
      );
      assert.deepEqual(changed, [chat]);
    } finally {
      socket.close();
      await relay.stop();
    }
  });

  it("confidentiality: the creator's own epoch-1 row of one personal chat served as another's is not used", async (t) => {
    const withMallory = (await owner.messenger.chatWith(mallory.phone)).chatId as string;
    const withAlice = (await owner.messenger.chatWith(alice.phone)).chatId as string;
    serveKeyOf(withMallory, withAlice);
    const sender = await throughHostile(owner, t);
    // Its rows and commitment are bound to the pair (owner, Mallory): they do not verify for (owner, Alice).
    await assert.rejects(sender.sendText(withAlice, "только для Анны"), /no key for epoch 1/);
    assert.deepEqual(await alice.messenger.history(withAlice), []);
  });

  it("confidentiality: a personal chat made before the pair binding, served another chat's key, is rotated before sending", async (t) => {
    const [creator, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Орлов Пётр Ильич"),
      await sdkUser(server, "ecdsa-p256", "Лебедева Анна Сергеевна"),
      await sdkUser(server, "ecdsa-p256", "Зайцев Марк Олегович"),
    ];
    // Bound to type and name only: the creator's own rows (and commitments) of the two chats are interchangeable.
    const withMallory = await legacyPersonalChat(creator, malory);
    const withAnna = await legacyPersonalChat(creator, anna);
    serveKeyOf(withMallory, withAnna);
    const sender = await throughHostile(creator, t);
    const sent = await sender.sendText(withAnna, "только для Анны");
    assert.equal(sent.keyId, 2);
    const stolen = (await malory.messenger.keyring.require(withMallory, 1)).chatKey;
    await assert.rejects(decryptContent(stolen, Buffer.from(sent.data, "base64")));
    const read = await anna.messenger.history(withAnna);
    assert.deepEqual(
      read.map((message) => [message.text, message.signature]),
      [["только для Анны", "verified"]],
    );
  });

  it("confidentiality: a group passed off as the personal chat with a phone is refused", async (t) => {
    const group = (await owner.messenger.createGroup("не личный", [mallory.phone])).chatId as string;
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) =>
        contact.phone === alice.phone
          ? { ...contact, chatId: group, chatType: 1, chatName: "не личный" }
          : contact,
      ),
    );
    const sender = await throughHostile(owner, t);
    await assert.rejects(sender.chatWith(alice.phone), /gives a chat of type 1 as the personal chat/);
  });

  it("confidentiality: a rotation of a personal chat gives nothing to a third member the server lists", async (t) => {
    const withAlice = (await owner.messenger.chatWith(alice.phone)).chatId as string;
    const intruder = await mallory.messenger.profile();
    hostile.rewrites.set("chatMembers", (data) => {
      const listed = data as { members: unknown[] };
      const certificates = [
        { id: intruder.cid, cert: encodeBase64(mallory.messenger.signer.certificate), hasKey: true },
      ];
      return {
        ...listed,
        members: [
          ...listed.members,
          { pid: intruder.pid, phone: mallory.phone, role: "member", certificates },
        ],
      };
    });
    const sender = await throughHostile(owner, t);
    await sender.chats();
    await assert.rejects(
      sender.membership.rotate(withAlice),
      new RegExp(`lists profile ${intruder.pid} as a member of personal chat`),
    );
  });

  it("confidentiality: a third user the server puts on a personal chat's wait list is served none of its keys", async (t) => {
    const [creator, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Белов Игорь Андреевич"),
      await sdkUser(server, "ecdsa-p256", "Белова Нина Андреевна"),
      await sdkUser(server, "ecdsa-p256", "Чернов Марат Ильич"),
    ];
    const withAnna = (await creator.messenger.chatWith(anna.phone)).chatId as string;
    const intruder = await malory.messenger.profile();
    const waiting = {
      pid: intruder.pid,
      cid: intruder.cid,
      cert: encodeBase64(malory.messenger.signer.certificate),
      since: Math.floor(Date.now() / 1000),
      keyIds: [1],
    };
    hostile.addToWaitList(withAnna, waiting);
    const session = await throughHostile(creator, t);
    // Its user knows Mallory (looked her up by phone): her certificate is trusted as hers.
    await session.lookUp([malory.phone]);
    const served = await session.fulfilWaitLists().catch((error: unknown) => error);
    const toIntruder = hostile.keyRowsSentTo(intruder.cid);
    assert.deepEqual([served, toIntruder], [0, []]);
  });

  it("confidentiality: a personal chat the session knows, given by chatWith as the chat with another phone, is refused", async (t) => {
    const [creator, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Рыбин Олег Петрович"),
      await sdkUser(server, "ecdsa-p256", "Рыбина Алла Петровна"),
      await sdkUser(server, "ecdsa-p256", "Щукин Марк Львович"),
    ];
    const withMallory = (await creator.messenger.chatWith(malory.phone)).chatId as string;
    const session = await throughHostile(creator, t);
    await session.chats();
    // Anna's entry is hers (profile, phone, certificates); only its chat is the one with Mallory.
    hostile.rewrites.set("contacts", (data, request) =>
      (request as { phones?: string[] }).phones?.includes(anna.phone)
        ? (data as Contact[]).map((contact) =>
            contact.phone === anna.phone ? { ...contact, chatId: withMallory, chatType: 0 } : contact,
          )
        : data,
    );
    await assert.rejects(session.chatWith(anna.phone), /known as the chat with profile/);
  });

  it("confidentiality: a personal chat listed later as the chat with another person is refused, not shown as theirs", async (t) => {
    const [creator, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Карпов Юрий Денисович"),
      await sdkUser(server, "ecdsa-p256", "Карпова Зоя Денисовна"),
      await sdkUser(server, "ecdsa-p256", "Ершов Марк Денисович"),
    ];
    const withMallory = (await creator.messenger.chatWith(malory.phone)).chatId as string;
    const [annaEntry] = await creator.messenger.lookUp([anna.phone]);
    assert.ok(annaEntry);
    const session = await throughHostile(creator, t);
    await session.chats();
    // The chat with Mallory, its key and all, now shows Anna: her profile, phone, name and certificates.
    const { chatId: _none, chatType: _personal, key: _key, keyId: _epoch, ...annaShown } = annaEntry;
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) =>
        contact.chatId === withMallory ? { ...contact, ...annaShown } : contact,
      ),
    );
    await assert.rejects(session.chats(), /known as the chat with profile/);
  });

  it("confidentiality: createChat answered with a personal chat the session knows with someone else is refused", async (t) => {
    const [creator, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Гусев Илья Романович"),
      await sdkUser(server, "ecdsa-p256", "Гусева Ева Романовна"),
      await sdkUser(server, "ecdsa-p256", "Лисин Марк Романович"),
    ];
    const withMallory = (await creator.messenger.chatWith(malory.phone)).chatId as string;
    const listed = (await creator.messenger.chats()).find((contact) => contact.chatId === withMallory);
    const session = await throughHostile(creator, t);
    await session.chats();
    hostile.rewrites.set("createChat", () => listed);
    await assert.rejects(
      session.chatWith(anna.phone),
      /answers createChat with peer \d+ by a chat with profile/,
    );
  });

  it("confidentiality: a group the server names after a personal chat's pair binding gets no commitment signed over that name", async (t) => {
    const [victim, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Соколов Артём Ильич"),
      await sdkUser(server, "ecdsa-p256", "Соколова Анна Ильинична"),
      await sdkUser(server, "ecdsa-p256", "Дроздов Марк Ильич"),
    ];
    await victim.messenger.chatWith(anna.phone);
    const group = (await victim.messenger.createGroup("ловушка", [malory.phone])).chatId as string;
    const [own, peer] = [await victim.messenger.profile(), await anna.messenger.profile()];
    // A rotation commits over the chat id: over this one, the commitment would stand for a key of the pair's
    // chat, and the key is the group's, which Mallory holds.
    const named = pairBinding(
      { pid: own.pid, identity: certificateIdentity(victim.messenger.signer.certificate) },
      { pid: peer.pid, identity: certificateIdentity(anna.messenger.signer.certificate) },
    ).binding;
    const swap = (value: unknown, from: string, to: string): unknown =>
      JSON.parse(JSON.stringify(value).replaceAll(from, to));
    for (const method of ["contacts", "chatMembers", "keys", "rotateKey"])
      hostile.rewrites.set(method, (data) => swap(data, group, named));
    for (const method of ["chatMembers", "keys", "rotateKey", "refuseKeys"])
      hostile.requestRewrites.set(method, (body) => swap(body, named, group));
    t.after(() => hostile.requestRewrites.clear());
    const session = await throughHostile(victim, t);
    await assert.rejects(session.membership.rotate(named), /is not a chat id/);
    assert.ok(!hostile.asked.some(({ method }) => method === "rotateKey"));
  });

  it("confidentiality: a session told its own profile is Mallory's does not take its chat with Mallory for its chat with Anna", async (t) => {
    const [victim, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Зимин Павел Олегович"),
      await sdkUser(server, "ecdsa-p256", "Зимина Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Летов Марк Олегович"),
    ];
    const withMallory = (await victim.messenger.chatWith(malory.phone)).chatId as string;
    const [own, intruder] = [await victim.messenger.profile(), await malory.messenger.profile()];
    const [annaEntry] = await victim.messenger.lookUp([anna.phone]);
    assert.ok(annaEntry);
    // pair(Mallory, victim) is the chat's own binding: the server swaps which of the two profile ids is whose.
    hostile.rewrites.set("profile", (data) => ({ ...(data as object), pid: intruder.pid }));
    const { chatId: _none, chatType: _personal, key: _key, keyId: _epoch, ...annaShown } = annaEntry;
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) =>
        contact.chatId === withMallory ? { ...contact, ...annaShown, pid: own.pid } : contact,
      ),
    );
    const session = await throughHostile(victim, t);
    const shown = (await session.chats()).find((contact) => contact.chatId === withMallory);
    assert.equal(shown?.phone, anna.phone);
    await assert.rejects(session.sendText(withMallory, "только для Анны"));
    assert.deepEqual(await malory.messenger.history(withMallory), []);
  });

  it("identity: a fresh session shown its chat with Mallory under Anna's phone and name names Mallory's subject and a code Anna's session does not compute", async (t) => {
    const [victim, anna, malory] = [
      await sdkUser(server, "ecdsa-p256", "Свиридов Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Свиридова Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Свиблов Марк Олегович"),
    ];
    const withMallory = (await victim.messenger.chatWith(malory.phone)).chatId as string;
    const withAnna = (await anna.messenger.chatWith(victim.phone)).chatId as string;
    const annaSees = await anna.messenger.pairPeer(withAnna);
    // The fresh session's first evidence for the chat's peer: Mallory's profile and certificate, Anna's phone and
    // name, and the real chat with Anna left out of the list.
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[])
        .filter((contact) => contact.chatId !== withAnna)
        .map((contact) =>
          contact.chatId === withMallory
            ? { ...contact, phone: anna.phone, user: anna.name, name: anna.name }
            : contact,
        ),
    );
    const session = await throughHostile(victim, t);
    const listed = (await session.chats()).find((contact) => contact.chatId === withMallory);
    assert.deepEqual([listed?.phone, listed?.user], [anna.phone, anna.name]);
    const [shown, malorySees] = [
      await session.pairPeer(withMallory),
      await malory.messenger.pairPeer(withMallory),
    ];
    assert.ok(shown.bound && annaSees.bound && malorySees.bound);
    assert.deepEqual([shown.subject.commonName, shown.subject.snils], [malory.name, malory.snils]);
    // What the two people compare: the victim's screen shows the code of its pair with Mallory.
    assert.notEqual(shown.safetyCode, annaSees.safetyCode);
    assert.equal(shown.safetyCode, malorySees.safetyCode);
  });

  it("identity: a personal chat whose peer the server lists without certificates names no one and gives no code", async (t) => {
    const chat = (await owner.messenger.chatWith(alice.phone)).chatId as string;
    const bare = <H extends { certificates: unknown[] }>(holder: H): H => ({ ...holder, certificates: [] });
    hostile.rewrites.set("contacts", (data) => (data as Contact[]).map(bare));
    hostile.rewrites.set("chatMembers", (data) => {
      const members = data as { members: Contact[] };
      return { ...members, members: members.members.map(bare) };
    });
    const session = await throughHostile(owner, t);
    const peer = await session.pairPeer(chat);
    assert.deepEqual([peer.bound, !peer.bound && peer.reason], [false, "no-certificate"]);
  });

  it("confidentiality: a phone looked up as Anna's, answered with Anna's certificate under Mallory's known profile and chat, is refused", async (t) => {
    const [victim, anna, intruder] = [
      await sdkUser(server, "ecdsa-p256", "Ключев Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Ключева Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Ключник Марк Олегович"),
    ];
    const withMallory = (await victim.messenger.chatWith(intruder.phone)).chatId as string;
    const [malloryEntry] = await victim.messenger.lookUp([intruder.phone]);
    const [annaEntry] = await victim.messenger.lookUp([anna.phone]);
    assert.ok(malloryEntry && annaEntry);
    const session = await throughHostile(victim, t);
    // The session has met Mallory (its chat with her): her profile's identity is known, bound to her chat.
    await session.sendText(withMallory, "привет, Марк");
    // Anna's phone, name and certificate — what the user sees — over Mallory's profile and chat.
    const { pid: _anna, chatId: _none, chatType: _type, key: _key, keyId: _epoch, ...annaShown } = annaEntry;
    hostile.rewrites.set("contacts", (data, request) =>
      JSON.stringify(request ?? {}).includes(anna.phone.slice(-7))
        ? [{ ...malloryEntry, ...annaShown }]
        : data,
    );
    await assert.rejects(async () => {
      const chat = await session.chatWith(anna.phone);
      await session.sendText(chat.chatId as string, "только для Анны");
    }, /Mallory|another|identity|subject/i);
    const read = await intruder.messenger.history(withMallory);
    assert.ok(!read.some((message) => message.text === "только для Анны"));
  });

  it("confidentiality: a phone looked up as Anna's, answered with an expired certificate of hers over Mallory's profile and chat, is refused", async (t) => {
    const [victim, anna, intruder] = [
      await sdkUser(server, "ecdsa-p256", "Сроков Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Срокова Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Срочник Марк Олегович"),
    ];
    const withMallory = (await victim.messenger.chatWith(intruder.phone)).chatId as string;
    const [malloryEntry] = await victim.messenger.lookUp([intruder.phone]);
    const [annaEntry] = await victim.messenger.lookUp([anna.phone]);
    assert.ok(malloryEntry && annaEntry);
    // An old certificate of Anna's: it names her, but no longer chains, so it vouches for no profile.
    const hourAgo = Date.now() - 3_600_000;
    const expired = await issueUser(server, {
      name: anna.name,
      snils: anna.snils,
      notBefore: new Date(hourAgo - 3_600_000),
      notAfter: new Date(hourAgo),
    });
    const { pid: _anna, chatId: _none, chatType: _type, key: _key, keyId: _epoch, ...annaShown } = annaEntry;
    const shown = { ...annaShown, certificates: [{ id: 1, cert: encodeBase64(expired.der) }] };
    hostile.rewrites.set("contacts", (data, request) =>
      JSON.stringify(request ?? {}).includes(anna.phone.slice(-7)) ? [{ ...malloryEntry, ...shown }] : data,
    );
    const session = await throughHostile(victim, t);
    await assert.rejects(async () => {
      const chat = await session.chatWith(anna.phone);
      await session.sendText(chat.chatId as string, "только для Анны");
    });
    const read = await intruder.messenger.history(withMallory);
    assert.ok(!read.some((message) => message.text === "только для Анны"));
  });

  it("confidentiality: a session without anchors creating its personal chat wraps no key for a listed certificate of neither pair member", async (t) => {
    const [victim, anna, intruder] = [
      await sdkUser(server, "ecdsa-p256", "Страницын Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Страницына Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Страничник Марк Олегович"),
    ];
    const [malloryEntry] = await victim.messenger.lookUp([intruder.phone]);
    const [annaEntry] = await victim.messenger.lookUp([anna.phone]);
    assert.ok(malloryEntry && annaEntry);
    const [annaCertificate] = annaEntry.certificates;
    const [malloryCertificate] = malloryEntry.certificates;
    assert.ok(annaCertificate && malloryCertificate);
    // Anna's phone, name and real certificate, listed first, over Mallory's profile with her certificate too: the
    // pair binding (and the safety code) then names Anna, and the old code wrapped the first key for Mallory as
    // well (Mallory read what the user sent, under Anna's subject and code). The real server would refuse a row for
    // Anna's certificate under Mallory's profile: the proxy drops it.
    hostile.rewrites.set("contacts", (data, request) =>
      JSON.stringify(request ?? {}).includes(anna.phone.slice(-7))
        ? [
            {
              ...malloryEntry,
              phone: anna.phone,
              user: anna.name,
              name: anna.name,
              certificates: [annaCertificate, malloryCertificate],
            },
          ]
        : data,
    );
    hostile.rewrites.set("createChat", (data) => ({
      ...(data as Contact),
      phone: anna.phone,
      user: anna.name,
      name: anna.name,
      certificates: [annaCertificate, malloryCertificate],
    }));
    hostile.requestRewrites.set("createChat", (body) => {
      const request = body as { keys: { cid: number }[] };
      return { ...request, keys: request.keys.filter((row) => row.cid !== annaCertificate.id) };
    });
    t.after(() => hostile.requestRewrites.clear());
    hostile.asked.length = 0;
    t.after(() => hostile.rewrites.clear());
    // The web page's setting: the server's certificates are taken as they are listed (docs/WEB.md "Trust").
    const session = await Messenger.login({
      server: hostileUrl,
      signer: victim.messenger.signer,
      verifier: signatureVerifier(),
      trustServerCertificates: true,
      fulfil: false,
    });
    await assert.rejects(session.chatWith(anna.phone), /neither member of the personal chat/);
    const rows = hostile.asked.flatMap(({ method, body }) =>
      method === "createChat" ? (body as { keys: { cid: number }[] }).keys : [],
    );
    assert.equal(
      rows.some((row) => row.cid === malloryCertificate.id),
      false,
    );
  });

  it("confidentiality: adding a member to a personal chat sends no key of it, whatever the server would accept", async (t) => {
    const [victim, anna, intruder] = [
      await sdkUser(server, "ecdsa-p256", "Парин Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Парина Анна Олеговна"),
      await sdkUser(server, "ecdsa-p256", "Паров Марк Олегович"),
    ];
    const chat = (await victim.messenger.chatWith(anna.phone)).chatId as string;
    await victim.messenger.sendText(chat, "только для Анны");
    const session = await throughHostile(victim, t);
    await assert.rejects(session.membership.add(chat, [intruder.phone], { history: "all" }), /personal chat/);
    assert.deepEqual(
      hostile.asked.filter(({ method }) => method === "addMembers"),
      [],
    );
  });

  /** The server answers `contacts` with `from`'s key row (and commitment) as `to`'s. */
  function serveKeyOf(from: string, to: string): void {
    hostile.rewrites.set("contacts", (data) => {
      const chats = data as Contact[];
      const stolen = chats.find((contact) => contact.chatId === from)?.key;
      return chats.map((contact) =>
        contact.chatId === to && stolen ? { ...contact, key: stolen } : contact,
      );
    });
  }
});
