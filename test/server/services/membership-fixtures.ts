import pino from "pino";
import type {
  ChatAddedEvent,
  ChatChangedEvent,
  ChatKeysAddedEvent,
  ChatRemovedEvent,
  ChatWaitListEvent,
} from "../../../src/protocol/events.ts";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import type { ChatEvents } from "../../../src/server/services/chat-events.ts";
import { ChatKeysService } from "../../../src/server/services/chat-keys.ts";
import { ChatMembershipService } from "../../../src/server/services/chat-membership.ts";
import { ChatService } from "../../../src/server/services/chats.ts";
import type { ContactLookupLimit } from "../../../src/server/services/contacts.ts";
import { MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";
import { type Identity, SessionService } from "../../../src/server/services/sessions.ts";
import type { Storage } from "../../../src/server/storage/database.ts";
import { findOrInsertCertificate } from "../../../src/server/storage/repositories/certificates.ts";
import { linkProfileToUser, upsertProfile } from "../../../src/server/storage/repositories/profiles.ts";
import { insertSession } from "../../../src/server/storage/repositories/sessions.ts";
import { findOrCreateUser } from "../../../src/server/storage/repositories/users.ts";

/** The clock of the membership tests; certificates are valid for a year from it. */
export const now = 1_790_000_000_000;
export const YEAR_MS = 365 * 86_400_000;
export const silent = pino({ level: "silent" });

/** One event as a service announced it, by kind. */
export type RecordedEvent =
  | { kind: "added"; chatId: string; profileIds: number[]; event: ChatAddedEvent }
  | { kind: "removed"; chatId: string; profileId: number; event: ChatRemovedEvent }
  | { kind: "keysAdded"; chatId: string; byProfile: ReadonlyMap<number, ChatKeysAddedEvent> }
  | { kind: "waitListChanged"; chatId: string; memberIds: number[]; event: ChatWaitListEvent }
  | { kind: "changed"; chatId: string; memberIds: number[]; event: ChatChangedEvent };

/** ChatEvents that records what services announce (the realtime publisher is tested in test/server/realtime). */
export class RecordingChatEvents implements ChatEvents {
  readonly events: RecordedEvent[] = [];
  added(chatId: string, profileIds: number[], event: ChatAddedEvent): void {
    this.events.push({ kind: "added", chatId, profileIds, event });
  }
  removed(chatId: string, profileId: number, event: ChatRemovedEvent): void {
    this.events.push({ kind: "removed", chatId, profileId, event });
  }
  keysAdded(chatId: string, byProfile: ReadonlyMap<number, ChatKeysAddedEvent>): void {
    this.events.push({ kind: "keysAdded", chatId, byProfile });
  }
  waitListChanged(chatId: string, memberIds: number[], event: ChatWaitListEvent): void {
    this.events.push({ kind: "waitListChanged", chatId, memberIds, event });
  }
  changed(chatId: string, memberIds: number[], event: ChatChangedEvent): void {
    this.events.push({ kind: "changed", chatId, memberIds, event });
  }
  /** The events of one chat, by kind. */
  of(chatId: string): RecordedEvent["kind"][] {
    return this.events.filter((event) => event.chatId === chatId).map((event) => event.kind);
  }
  clear(): void {
    this.events.length = 0;
  }
}

/** A registered profile with a certificate and a confirmed session, as the services see its caller. */
export interface Person {
  pid: number;
  cid: number;
  identity: Identity;
}

export interface CertificateOptions {
  /** key_agreement: null for a standard key, "gost2012-256:<curve>" for GOST. */
  group?: string | null;
  notAfter?: number;
}

let sequence = 0;

/** Another certificate of a profile (a renewal: its own fingerprint). */
export async function addCertificate(storage: Storage, pid: number, options: CertificateOptions = {}) {
  sequence += 1;
  const certificate = await findOrInsertCertificate(
    storage.db,
    {
      profile_id: pid,
      fingerprint: `fp-membership-${process.pid}-${sequence}`,
      der: new Uint8Array([0x30, 0x03, 0x02, 0x01, sequence % 256]),
      subject_dn: "CN=Test",
      issuer_dn: "CN=CA",
      serial: String(sequence),
      not_before: now - 1000,
      not_after: options.notAfter ?? now + YEAR_MS,
      key_algorithm: options.group ? "gost2012-256" : "ecdsa-p256",
      key_agreement: options.group ?? null,
    },
    now,
  );
  return certificate.id;
}

/** A profile with a certificate that never confirmed a phone (logged in once, not registered). */
export async function unregisteredPerson(
  storage: Storage,
  options: CertificateOptions = {},
): Promise<{ pid: number; cid: number }> {
  sequence += 1;
  const key = `membership-${process.pid}-${sequence}`;
  const profile = await upsertProfile(
    storage.db,
    {
      profile_key: key,
      type: 1,
      name: `Name ${key}`,
      company: null,
      title: null,
      inn: null,
      ogrn: null,
      snils: null,
    },
    now,
  );
  return { pid: profile.id, cid: await addCertificate(storage, profile.id, options) };
}

/** A profile with a confirmed phone, a certificate and a confirmed session. */
export async function person(storage: Storage, options: CertificateOptions = {}): Promise<Person> {
  const { pid, cid } = await unregisteredPerson(storage, options);
  const phone = `7966${String(process.pid % 1000).padStart(3, "0")}${String(sequence).padStart(4, "0")}`;
  await linkProfileToUser(storage.db, pid, (await findOrCreateUser(storage.db, phone, now)).id);
  return { pid, cid, identity: await sessionOf(storage, pid, cid) };
}

/** A confirmed session of the profile's certificate `cid` (a renewed certificate logged in, say). */
export async function sessionOf(storage: Storage, pid: number, cid: number): Promise<Identity> {
  sequence += 1;
  const token = `token-membership-${process.pid}-${sequence}`;
  await insertSession(storage.db, {
    token,
    certificate_id: cid,
    profile_id: pid,
    nonce: null,
    nonce_expires_at: now,
    created_at: now,
    last_seen_at: now,
    client_address: "127.0.0.1",
  });
  await storage.db.updateTable("sessions").set({ confirmed: 1 }).where("token", "=", token).execute();
  return identityOf(storage, token);
}

/** The identity of a session, as the transports authenticate it. */
export function identityOf(storage: Storage, token: string): Promise<Identity> {
  const sessions = new SessionService(storage.db, () => now, { idleMs: YEAR_MS, maxAgeMs: YEAR_MS });
  return sessions.authenticate(token, { requirePhone: true });
}

/** A wrapped key's stand-in: the server stores it as given. */
export function wrapped(cid: number, keyId: number): string {
  return Buffer.from(`key-${cid}-${keyId}`).toString("base64");
}

/** The services under test, sharing one recording ChatEvents; by default a lookup quota no fixture reaches. */
export function services(
  storage: Storage,
  events = new RecordingChatEvents(),
  lookups: ContactLookupLimit = { quota: new MemoryLookupQuota(() => now), perDay: 1_000_000 },
) {
  // No message writer here: no message insert is ever outstanding.
  const options = {
    db: storage.db,
    clock: () => now,
    events,
    logger: silent,
    messagesSettled: async () => {},
    lookups,
  };
  return {
    events,
    chats: new ChatService(storage.db, () => now, silent, events, lookups),
    membership: new ChatMembershipService(options),
    keys: new ChatKeysService(options),
  };
}

/** A chat created by `owner` through createChat: a key (epoch 1) for every certificate of every member. */
export async function createChat(
  storage: Storage,
  owner: Person,
  others: Person[],
  type: number = ChatType.group,
): Promise<string> {
  const { chats } = services(storage);
  const members = [owner, ...others];
  const keys = [];
  for (const member of members) {
    const certificates = await storage.db
      .selectFrom("certificates")
      .select("id")
      .where("profile_id", "=", member.pid)
      .execute();
    for (const { id } of certificates) keys.push({ pid: member.pid, cid: id, key: wrapped(id, 1) });
  }
  const contact = await chats.create(owner.identity, {
    token: "",
    type: type as 0 | 1 | 2,
    name: type === ChatType.personal ? null : "Group",
    keys,
  });
  if (!contact.chatId) throw new Error("createChat returned no chat");
  return contact.chatId;
}
