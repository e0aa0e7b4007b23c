// Outside review of server authorization (docs/DECISIONS.md §40, "Left"): createChat and addMembers answered
// CreateChatKeysError for an unknown profile id and CreateChatError for one without a confirmed phone before the
// lookup quota was looked at, so a caller past its quota still learnt which ids are registered. The quota now comes
// first (src/server/services/named-profiles.ts): past it every id the caller may not look up gets DataError.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { ChatType } from "../../../src/protocol/schemas/chats.ts";
import type { ContactLookupLimit } from "../../../src/server/services/contacts.ts";
import { MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";
import { lookupAccount } from "../../../src/server/services/named-profiles.ts";
import { describeEachBackend } from "../../support/storage.ts";
import {
  createChat,
  now,
  type Person,
  person,
  services,
  unregisteredPerson,
  wrapped,
} from "./membership-fixtures.ts";

function refusedWith(code: string) {
  return (error: unknown) => error instanceof ApiError && error.code === code;
}

describeEachBackend("members named by id, the lookup quota first", (storage) => {
  let caller: Person;
  /** A profile that logged in but never confirmed a phone, with its certificate. */
  let unregistered: { pid: number; cid: number };
  const unknown = { pid: 999_999, cid: 999_998 };

  before(async () => {
    caller = await person(storage());
    unregistered = await unregisteredPerson(storage());
  });

  /** The caller's services with a quota of one lookup a day, already spent on another phone. */
  async function pastQuota() {
    const lookups: ContactLookupLimit = { quota: new MemoryLookupQuota(() => now), perDay: 1 };
    assert.equal(await lookups.quota.admit(lookupAccount(caller.identity.profile), ["79990000001"], 1), true);
    return services(storage(), undefined, lookups);
  }

  function createWith(named: { pid: number; cid: number }) {
    return {
      token: "",
      type: ChatType.personal,
      name: null,
      keys: [
        { pid: caller.pid, cid: caller.cid, key: wrapped(caller.cid, 1) },
        { pid: named.pid, cid: named.cid, key: wrapped(named.cid, 1) },
      ],
    };
  }

  async function addTo(named: { pid: number; cid: number }) {
    const chat = await createChat(storage(), caller, []);
    const { membership } = await pastQuota();
    return membership.add(caller.identity, {
      token: "",
      chat,
      keyId: 1,
      history: "now",
      keys: [{ pid: named.pid, cid: named.cid, keyId: 1, key: wrapped(named.cid, 1) }],
    });
  }

  test("createChat past the quota refuses an unknown profile id with DataError, as a registered one", async () => {
    const { chats } = await pastQuota();
    await assert.rejects(chats.create(caller.identity, createWith(unknown)), refusedWith("DataError"));
  });

  test("createChat past the quota refuses a profile without a confirmed phone with DataError", async () => {
    const { chats } = await pastQuota();
    await assert.rejects(chats.create(caller.identity, createWith(unregistered)), refusedWith("DataError"));
  });

  test("addMembers past the quota refuses an unknown profile id with DataError", async () => {
    await assert.rejects(addTo(unknown), refusedWith("DataError"));
  });

  test("addMembers past the quota refuses a profile without a confirmed phone with DataError", async () => {
    await assert.rejects(addTo(unregistered), refusedWith("DataError"));
  });

  test("within the quota an unknown id keeps CreateChatKeysError and costs a lookup, as a registered id does", async () => {
    const lookups: ContactLookupLimit = { quota: new MemoryLookupQuota(() => now), perDay: 1 };
    const { chats } = services(storage(), undefined, lookups);
    for (const attempt of ["first", "again, free"])
      await assert.rejects(
        chats.create(caller.identity, createWith(unknown)),
        refusedWith("CreateChatKeysError"),
        attempt,
      );
    const stranger = await person(storage());
    await assert.rejects(chats.create(caller.identity, createWith(stranger)), refusedWith("DataError"));
  });

  test("within the quota a profile without a confirmed phone keeps CreateChatError", async () => {
    const { chats } = services(storage());
    await assert.rejects(
      chats.create(caller.identity, createWith(unregistered)),
      refusedWith("CreateChatError"),
    );
  });
});
