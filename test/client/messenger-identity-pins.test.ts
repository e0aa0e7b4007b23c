/**
 * Identity pins (docs/DECISIONS.md §35): what an earlier session learnt about whose certificate a profile is
 * stands in later sessions against what a hostile server lists (test/client/hostile-server.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { certificateIdentity } from "../../src/client/certificate-trust.ts";
import type { ChatPeerPin, IdentityPin, IdentityPins } from "../../src/client/identity-pins.ts";
import { Messenger, signatureVerifier } from "../../src/client/index.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import type { Contact } from "../../src/protocol/schemas/chats.ts";
import type { ProfileData } from "../../src/protocol/schemas/identity.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { HostileServer, loginThrough } from "./hostile-server.ts";
import { legacyPersonalChat, type SdkUser, sdkUser, serverAnchors } from "./support.ts";

/** Pins kept in memory, as an application's store would keep them between sessions. */
class MemoryPins implements IdentityPins {
  private readonly pins = new Map<number, IdentityPin>();
  kept = 0;

  get known(): IdentityPin[] {
    return [...this.pins.values()];
  }

  async keep(pin: IdentityPin): Promise<IdentityPin> {
    this.kept += 1;
    if (!this.pins.has(pin.pid)) this.pins.set(pin.pid, pin);
    return this.pins.get(pin.pid) ?? pin;
  }

  async forget(pid: number): Promise<void> {
    this.pins.delete(pid);
    for (const [chatId, peer] of this.peers) if (peer === pid) this.peers.delete(chatId);
  }

  private readonly peers = new Map<string, number>();

  get chatPeers(): ChatPeerPin[] {
    return [...this.peers].map(([chatId, pid]) => ({ chatId, pid }));
  }

  async keepChatPeer(pin: ChatPeerPin): Promise<ChatPeerPin> {
    if (!this.peers.has(pin.chatId)) this.peers.set(pin.chatId, pin.pid);
    return { chatId: pin.chatId, pid: this.peers.get(pin.chatId) ?? pin.pid };
  }

  identityOf(pid: number): string | undefined {
    return this.pins.get(pid)?.identity;
  }
}

describe("identity pins between sessions", () => {
  let server: TestServer;
  let hostile: HostileServer;
  let hostileUrl: string;
  let anchors: TrustInput;
  let victim: SdkUser;
  let anna: SdkUser;
  let mallory: SdkUser;
  let annaPid: number;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    hostile = new HostileServer(server.url);
    hostileUrl = await hostile.start();
    anchors = await serverAnchors(server);
    victim = await sdkUser(server, "ecdsa-p256", "Пинов Виктор Олегович");
    anna = await sdkUser(server, "ecdsa-p256", "Пинова Анна Олеговна");
    mallory = await sdkUser(server, "ecdsa-p256", "Пинский Марк Олегович");
    annaPid = (await anna.messenger.profile()).pid;
  });
  after(async () => {
    await hostile.stop();
    await server.close();
  });

  /** A session of `user` through the hostile proxy with `pins`; the proxy's rewrites end with the test. */
  function session(user: SdkUser, pins: IdentityPins | undefined, t: { after: (fn: () => void) => void }) {
    t.after(() => hostile.rewrites.clear());
    return loginThrough(hostileUrl, user.messenger.signer, anchors, pins);
  }

  /** Look-ups answer Anna's profile with Mallory's certificate in place of hers. */
  function listMalloryAsAnna(): void {
    const malloryCert = encodeBase64(mallory.messenger.signer.certificate);
    const swap = (contact: Contact): Contact =>
      contact.pid === annaPid
        ? {
            ...contact,
            certificates: contact.certificates.map((listed) => ({ ...listed, cert: malloryCert })),
          }
        : contact;
    hostile.rewrites.set("contacts", (data) => (data as Contact[]).map(swap));
    hostile.rewrites.set("chatMembers", (data) => {
      const members = data as { members: Contact[] };
      return { ...members, members: members.members.map(swap) };
    });
  }

  it("a session keeps the identities it learns: its own profile's and those it looked up", async (t) => {
    const pins = new MemoryPins();
    const first = await session(victim, pins, t);
    const own = await first.profile();
    await first.lookUp([anna.phone]);
    assert.equal(pins.identityOf(own.pid), certificateIdentity(victim.messenger.signer.certificate));
    assert.equal(pins.identityOf(annaPid), certificateIdentity(anna.messenger.signer.certificate));
  });

  it("without pins a fresh session takes another person's certificate listed under a profile it never met (the case pins close)", async (t) => {
    listMalloryAsAnna();
    const fresh = await session(victim, undefined, t);
    await fresh.lookUp([anna.phone]);
    assert.equal(fresh.trust.identityOf(annaPid), certificateIdentity(mallory.messenger.signer.certificate));
  });

  it("a later session refuses a look-up that lists another person's certificate under a pinned profile", async (t) => {
    const pins = new MemoryPins();
    await (await session(victim, pins, t)).lookUp([anna.phone]);
    listMalloryAsAnna();
    const later = await session(victim, pins, t);
    await assert.rejects(later.lookUp([anna.phone]), /another subject than the one this client knows/);
    assert.equal(pins.identityOf(annaPid), certificateIdentity(anna.messenger.signer.certificate));
  });

  it("a later session sends nothing in a personal chat whose pinned peer the server now lists with another person's certificate", async (t) => {
    const pins = new MemoryPins();
    const first = await session(victim, pins, t);
    const chat = (await first.chatWith(anna.phone)).chatId as string;
    await first.sendText(chat, "привет, Анна");
    listMalloryAsAnna();
    const later = await session(victim, pins, t);
    await assert.rejects(later.sendText(chat, "только для Анны"), (error: Error) => {
      assert.match(
        String((error.cause as Error | undefined)?.message),
        /another subject than the one this client knows/,
      );
      return true;
    });
    assert.deepEqual(
      (await anna.messenger.history(chat)).map((message) => message.text),
      ["привет, Анна"],
    );
  });

  it("a later session refuses a pinned profile's id the server spells as a string beside another person's certificate", async (t) => {
    const pins = new MemoryPins();
    await (await session(victim, pins, t)).lookUp([anna.phone]);
    const malloryCert = encodeBase64(mallory.messenger.signer.certificate);
    // JSON answers are not checked against the schema: "2" is another Map key than 2, never pinned.
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) =>
        contact.pid === annaPid
          ? {
              ...contact,
              pid: String(annaPid) as unknown as number,
              certificates: contact.certificates.map((listed) => ({ ...listed, cert: malloryCert })),
            }
          : contact,
      ),
    );
    const later = await session(victim, pins, t);
    await assert.rejects(later.lookUp([anna.phone]), /not a profile id/);
    assert.equal(pins.identityOf(annaPid), certificateIdentity(anna.messenger.signer.certificate));
    assert.deepEqual(
      pins.known.map((kept) => kept.pid),
      [annaPid],
    );
  });

  it("a later session refuses a personal chat pinned with Anna that the server moves to another profile: no key for, no code of, Mallory", async (t) => {
    const [user, peer] = [
      await sdkUser(server, "ecdsa-p256", "Чатов Виктор Олегович"),
      await sdkUser(server, "ecdsa-p256", "Чатова Анна Олеговна"),
    ];
    // Made before the pair binding: a fresh session rotates its key to the pair it computes before sending.
    const chat = await legacyPersonalChat(user, peer);
    const peerPid = (await peer.messenger.profile()).pid;
    const pins = new MemoryPins();
    const first = await session(user, pins, t);
    assert.equal((await first.pairPeer(chat)).bound, true);
    const intruder = await mallory.messenger.profile();
    // The chat, as the user knows it (its id), listed as the chat with Mallory's own profile, never pinned.
    const moved = <T extends { pid: number; certificates: object[] }>(entry: T): T =>
      entry.pid === peerPid
        ? {
            ...entry,
            pid: intruder.pid,
            certificates: intruder.certificates.map((listed) => ({ ...listed, hasKey: true })),
          }
        : entry;
    hostile.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) => (contact.chatId === chat ? moved(contact) : contact)),
    );
    hostile.rewrites.set("chatMembers", (data, request) => {
      const members = data as { members: Contact[] };
      return (request as { chat?: string }).chat === chat
        ? { ...members, members: members.members.map(moved) }
        : members;
    });
    const later = await session(user, pins, t);
    hostile.asked.length = 0;
    // The honest server behind the proxy refuses rows that leave Anna out; a hostile one would take them.
    await assert.rejects(later.sendText(chat, "только для Анны"));
    // Key rows go out with chatsKeys, rotateKey, removeMember, addMembers: none for Mallory's certificates.
    const intruderCids = new Set(intruder.certificates.map(({ id }) => id));
    const sentToIntruder = hostile.asked.flatMap(({ body }) =>
      ((body as { keys?: { cid: number }[] } | undefined)?.keys ?? []).filter((row) =>
        intruderCids.has(row.cid),
      ),
    );
    assert.deepEqual(sentToIntruder, []);
    await assert.rejects(later.pairPeer(chat), /known as the chat with profile/);
    assert.deepEqual(await peer.messenger.history(chat), []);
  });

  it("a session open since before another one pinned a profile (listen beside send) holds to that pin, not to a later listing", async (t) => {
    const pins = new MemoryPins();
    const longRunning = await session(victim, pins, t);
    await (await session(victim, pins, t)).lookUp([anna.phone]);
    listMalloryAsAnna();
    await assert.rejects(longRunning.lookUp([anna.phone]), /another subject than the one this client knows/);
    assert.equal(
      longRunning.trust.identityOf(annaPid),
      certificateIdentity(anna.messenger.signer.certificate),
    );
  });

  it("forgetIdentity lets a later session take the profile's newly listed certificate, and pins that", async (t) => {
    const pins = new MemoryPins();
    await (await session(victim, pins, t)).lookUp([anna.phone]);
    listMalloryAsAnna();
    const later = await session(victim, pins, t);
    await later.forgetIdentity(annaPid);
    await later.lookUp([anna.phone]);
    assert.equal(pins.identityOf(annaPid), certificateIdentity(mallory.messenger.signer.certificate));
  });

  it("a session the server gives a profile pinned as another person's refuses to go on", async (t) => {
    const pins = new MemoryPins();
    const first = await session(victim, pins, t);
    const [malloryEntry] = await first.lookUp([mallory.phone]);
    assert.ok(malloryEntry);
    hostile.rewrites.set("profile", (data) => ({ ...(data as ProfileData), pid: malloryEntry.pid }));
    const later = await session(victim, pins, t);
    await assert.rejects(
      later.profile(),
      new RegExp(`profile ${malloryEntry.pid}, which this client knows as another person's`),
    );
  });

  it("pins are neither taken nor kept without trust anchors", async (t) => {
    const pins = new MemoryPins();
    await pins.keep({
      pid: annaPid,
      identity: certificateIdentity(mallory.messenger.signer.certificate),
      certificate: mallory.messenger.signer.certificate,
    });
    pins.kept = 0;
    t.after(() => hostile.rewrites.clear());
    const unanchored = await Messenger.login({
      server: hostileUrl,
      signer: victim.messenger.signer,
      verifier: signatureVerifier(),
      trustServerCertificates: true,
      fulfil: false,
      pins,
    });
    await unanchored.lookUp([anna.phone]);
    assert.equal(pins.kept, 0);
  });
});
