import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { decodeBase64 } from "../../protocol/base64.ts";
import { ApiError } from "../../protocol/errors.ts";
import { ChatType, type Contact, type CreateChatRequest } from "../../protocol/schemas/chats.ts";
import { type CertificateRow, listCertificatesOfProfiles } from "../storage/repositories/certificates.ts";
import { insertWaits } from "../storage/repositories/chat-key-waits.ts";
import { insertChatKeys } from "../storage/repositories/chat-keys.ts";
import {
  type Chat,
  findChatsByPairKeys,
  insertChat,
  insertChatMembers,
  MemberRole,
} from "../storage/repositories/chats.ts";
import { isUniqueViolation } from "../storage/repositories/constraint-errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import type { ProfileWithPhone } from "../storage/repositories/profiles.ts";
import type { ChatEvents } from "./chat-events.ts";
import { uncovered, waitRows } from "./chat-keys.ts";
import type { Clock } from "./clock.ts";
import { buildContacts, contactProfileOf } from "./contact-view.ts";
import type { ContactLookupLimit } from "./contacts.ts";
import { decodeCommitment } from "./epoch-commitment.ts";
import { admitNamedProfiles } from "./named-profiles.ts";
import type { Identity } from "./sessions.ts";
import { canWrap, roleName } from "./wait-list-view.ts";

/** The natural key of a personal chat: one chat per pair of profiles, whoever creates it. */
export function personalPairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

interface DecodedKey {
  cid: number;
  pid: number;
  key: Uint8Array;
  sign: string | null;
}

/** /api/createChat/ (docs/DECISIONS.md §6): a chat, its members and every member certificate's wrapped key, at once. */
export class ChatService {
  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly events: ChatEvents,
    /** The daily lookup quota the phones of members named by id count against (named-profiles.ts). */
    private readonly lookups: ContactLookupLimit,
  ) {}

  async create(identity: Identity, request: CreateChatRequest): Promise<Contact> {
    const me = identity.profile.id;
    const keys = request.keys.map(decodeKey);
    const commitment = decodeCommitment(request.commitment, identity.session.certificate_id);
    const memberIds = [...new Set([me, ...keys.map((key) => key.pid)])];
    const name = request.name?.trim() || null;

    let pairKey: string | null = null;
    if (request.type === ChatType.personal) {
      const other = memberIds.find((id) => id !== me);
      if (memberIds.length !== 2 || other === undefined)
        throw new ApiError("CreateChatError", "a personal chat joins exactly two profiles");
      pairKey = personalPairKey(me, other);
      const existing = await this.personalChat(pairKey);
      if (existing) return this.contactOf(identity, existing);
    } else if (!name) {
      throw new ApiError("CreateChatError", "a group or channel needs a name");
    }

    // The quota first: past it, an unknown or unregistered id is refused as a registered one (named-profiles.ts).
    checkMembers(memberIds, await admitNamedProfiles(this.db, this.lookups, identity, memberIds));
    const now = this.clock();
    const { stored, waiting } = this.checkKeys(
      keys,
      memberIds,
      await listCertificatesOfProfiles(this.db, memberIds),
      identity.session.certificate_id,
      now,
    );

    const chat: Chat = {
      id: randomUUID(),
      type: request.type,
      name: request.type === ChatType.personal ? null : name,
      owner_profile_id: me,
      pair_key: pairKey,
      created_at: now,
      key_id: 1,
      version: 0,
      rotation_due: 0,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        await insertChat(trx, chat, commitment);
        await insertChatMembers(
          trx,
          memberIds.map((profileId) => ({
            chat_id: chat.id,
            profile_id: profileId,
            role: profileId === me ? MemberRole.owner : MemberRole.member,
            joined_at: now,
          })),
        );
        await insertChatKeys(
          trx,
          stored.map((key) => ({
            chat_id: chat.id,
            profile_id: key.pid,
            certificate_id: key.cid,
            key_id: 1,
            wrapped_by_certificate_id: identity.session.certificate_id,
            wrapped_key: key.key,
            sign: key.sign,
            created_at: now,
          })),
        );
        await insertWaits(trx, waitRows(chat.id, waiting, now));
      });
    } catch (error) {
      // The other member created the same personal chat a moment earlier: theirs is the chat.
      const winner = pairKey && isUniqueViolation(error) ? await this.personalChat(pairKey) : undefined;
      if (winner) return this.contactOf(identity, winner);
      this.logger.error({ err: error }, "createChat failed");
      throw new ApiError("CreateChatError", "storing the chat failed");
    }
    const contact = await this.contactOf(identity, chat);
    this.announce(chat, memberIds, me);
    return contact;
  }

  /** chatAdded to every member (the creator's other sockets and clients learn of the chat too). */
  private announce(chat: Chat, memberIds: number[], me: number): void {
    try {
      for (const role of [MemberRole.owner, MemberRole.member]) {
        const profiles = memberIds.filter((id) => (id === me) === (role === MemberRole.owner));
        this.events.added(chat.id, profiles, {
          chatId: chat.id,
          chatType: chat.type,
          chatName: chat.name,
          role: roleName(role),
          keyId: 1,
          by: me,
        });
      }
    } catch (error) {
      // Live delivery is best effort: members see the chat in `contacts`.
      this.logger.error({ err: error, chatId: chat.id }, "could not publish a new chat");
    }
  }

  private async personalChat(pairKey: string): Promise<Chat | undefined> {
    return (await findChatsByPairKeys(this.db, [pairKey]))[0];
  }

  /**
   * Every key is for a certificate of the profile it names, once; every current certificate of every member the
   * creator's certificate can wrap for has a key, or that member could not read the chat. Returns the keys to
   * store and the certificates to put on the chat's wait list: a row for a certificate the creator's certificate
   * cannot wrap for (a GOST key of another key-agreement group) could never unwrap, so it is not stored and the
   * certificate waits for a member who can serve it (outside review review12: createChat demanded such a row,
   * which kept the certificate off the wait list). Not refused, as the extensions' key calls refuse it: a v1
   * client, which may send one, keeps creating its chats as the spec has it.
   */
  private checkKeys(
    keys: DecodedKey[],
    memberIds: number[],
    certificates: CertificateRow[],
    creatorCertificate: number,
    now: number,
  ): { stored: DecodedKey[]; waiting: CertificateRow[] } {
    const byId = new Map(certificates.map((row) => [row.id, row]));
    const covered = new Set<number>();
    for (const key of keys) {
      if (byId.get(key.cid)?.profile_id !== key.pid)
        throw new ApiError("CreateChatKeysError", `certificate ${key.cid} is not of profile ${key.pid}`);
      if (covered.has(key.cid))
        throw new ApiError("CreateChatKeysError", `two keys for certificate ${key.cid}`);
      covered.add(key.cid);
    }
    const wrapper = byId.get(creatorCertificate);
    if (!wrapper) throw new ApiError("CreateChatKeysError", "the session certificate is not the creator's");
    const stored = keys.filter((key) =>
      canWrap(wrapper.key_agreement, byId.get(key.cid)?.key_agreement ?? null),
    );
    const waiting = uncovered(certificates, new Set(memberIds), stored, wrapper, now, "require");
    return { stored, waiting };
  }

  private async contactOf(identity: Identity, chat: Chat): Promise<Contact> {
    const entry = { chat, profileId: contactProfileOf(chat, identity.profile.id) };
    const contacts = await buildContacts(this.db, identity, [entry], this.clock());
    const contact = contacts[0];
    if (!contact) throw new ApiError("CreateChatError", "the chat's contact has no registered profile");
    return contact;
  }
}

function decodeKey(key: CreateChatRequest["keys"][number]): DecodedKey {
  const bytes = decodeBase64(key.key);
  if (!bytes || bytes.length === 0) throw new ApiError("InvalidSchema", "a key is not base64");
  return { cid: key.cid, pid: key.pid, key: bytes, sign: key.sign || null };
}

/** Members must be registered profiles (a contact always has a user and a phone). */
function checkMembers(memberIds: readonly number[], profiles: readonly ProfileWithPhone[]): void {
  if (profiles.length !== memberIds.length)
    throw new ApiError("CreateChatKeysError", "a key names an unknown profile");
  if (profiles.some((profile) => profile.user_id === null))
    throw new ApiError("CreateChatError", "a member has no confirmed phone");
}
