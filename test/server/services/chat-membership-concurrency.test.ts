import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import type { ChatMembersData } from "../../../src/protocol/schemas/members.ts";
import { describeEachBackend } from "../../support/storage.ts";
import {
  addCertificate,
  createChat,
  now,
  type Person,
  person,
  services,
  wrapped,
} from "./membership-fixtures.ts";

/** As the SDK does: on ChatKeyOutdated read the members again and rebuild the request. */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== "ChatKeyOutdated" || tries >= 20) throw error;
    }
  }
}

/** The next epoch's keys for every certificate of the members (but `except`) that holds the current key. */
function rotationKeys(data: ChatMembersData, except: number) {
  return data.members
    .filter((member) => member.pid !== except)
    .flatMap((member) =>
      member.certificates
        .filter((certificate) => certificate.hasKey)
        .map((certificate) => ({
          pid: member.pid,
          cid: certificate.id,
          key: wrapped(certificate.id, data.keyId + 1),
        })),
    );
}

describeEachBackend("Concurrent membership changes", (storage) => {
  test("parallel removals, adds and a fulfilment leave every member certificate with the current key or waiting", async () => {
    const owner = await person(storage());
    const admins = [await person(storage()), await person(storage())];
    const members: Person[] = [];
    for (let at = 0; at < 6; at++) members.push(await person(storage()));
    const chat = await createChat(storage(), owner, [...admins, ...members]);
    const setup = services(storage());
    for (const admin of admins)
      await setup.membership.setRole(owner.identity, { token: "", chat, pid: admin.pid, role: "admin" });
    const renewing = members[5] as Person;
    const renewed = await addCertificate(storage(), renewing.pid);
    await storage()
      .db.insertInto("chat_key_waits")
      .values({ chat_id: chat, certificate_id: renewed, profile_id: renewing.pid, since: now })
      .execute();
    const newcomers = [await person(storage()), await person(storage()), await person(storage())];
    const actors = [owner, ...admins];

    const remove = (by: Person, target: Person) =>
      retrying(async () => {
        const { membership } = services(storage());
        const data = await membership.members(by.identity, chat);
        return membership.remove(by.identity, {
          token: "",
          chat,
          pid: target.pid,
          keyId: data.keyId,
          version: data.version,
          keys: rotationKeys(data, target.pid),
        });
      });
    const add = (by: Person, newcomer: Person) =>
      retrying(async () => {
        const { membership } = services(storage());
        const data = await membership.members(by.identity, chat);
        return membership.add(by.identity, {
          token: "",
          chat,
          keyId: data.keyId,
          history: "all",
          keys: [
            {
              pid: newcomer.pid,
              cid: newcomer.cid,
              keyId: data.keyId,
              key: wrapped(newcomer.cid, data.keyId),
            },
          ],
        });
      });
    const fulfil = () =>
      services(storage()).keys.fulfil(owner.identity, {
        token: "",
        keys: [{ chatId: chat, pid: renewing.pid, cid: renewed, key: wrapped(renewed, 0) }],
      });

    const outcomes = await Promise.allSettled([
      ...members.slice(0, 3).map((target, at) => remove(actors[at] as Person, target)),
      ...newcomers.map((newcomer, at) => add(actors[at] as Person, newcomer)),
      fulfil(),
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === "rejected" ? String(outcome.reason) : "ok")),
      outcomes.map(() => "ok"),
    );

    const data = await services(storage()).membership.members(owner.identity, chat);
    assert.equal(data.keyId, 4); // three removals, one epoch each
    assert.deepEqual(
      data.members.map((member) => member.pid).sort((a, b) => a - b),
      [owner, ...admins, ...members.slice(3), ...newcomers].map((member) => member.pid).sort((a, b) => a - b),
    );
    const waiting = new Set(data.waitList.map((entry) => entry.cid));
    for (const member of data.members) {
      for (const certificate of member.certificates)
        assert.ok(
          certificate.hasKey || waiting.has(certificate.id),
          `certificate ${certificate.id} of ${member.pid}`,
        );
    }
    const leftovers = await storage()
      .db.selectFrom("chat_keys")
      .select("certificate_id")
      .where("chat_id", "=", chat)
      .where(
        "profile_id",
        "in",
        members.slice(0, 3).map((member) => member.pid),
      )
      .execute();
    assert.deepEqual(leftovers, []);
  });
});
