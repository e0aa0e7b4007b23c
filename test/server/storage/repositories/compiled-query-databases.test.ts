import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Storage } from "../../../../src/server/storage/database.ts";
import { findOrInsertCertificate } from "../../../../src/server/storage/repositories/certificates.ts";
import { upsertProfile } from "../../../../src/server/storage/repositories/profiles.ts";
import {
  confirmSession,
  findPendingLogin,
  insertSession,
} from "../../../../src/server/storage/repositories/sessions.ts";
import { backends, type TestStorage } from "../../../support/storage.ts";
import { certificateFields, now, profileFields } from "./fixtures.ts";

/**
 * Review probe of compiledStatement's cache (kept per database adapter): in one process, as the tests run two
 * servers, a SQLite database and two PostgreSQL schemas use the same compiled statements alternately, outside
 * and inside transactions; each must run its own dialect's SQL against its own rows.
 */
const postgres = backends.find((backend) => backend.name === "postgres");
const sqlite = backends.find((backend) => backend.name === "sqlite");

describe("compiled statements across databases in one process", { skip: postgres?.skip }, () => {
  const opened: TestStorage[] = [];
  before(async () => {
    for (const backend of [sqlite, postgres, postgres]) if (backend) opened.push(await backend.create());
  });
  after(async () => {
    for (const each of opened) await each.dispose();
  });

  /** The same token in every database, each with a certificate whose DER names the database. */
  async function sameToken(storage: Storage, index: number) {
    const profile = await upsertProfile(storage.db, profileFields(`dn:CA|db${index}`), now);
    const fields = {
      ...certificateFields(profile.id, `fp-db${index}`),
      der: new Uint8Array([index, 1, 2, 3]),
    };
    const cert = await findOrInsertCertificate(storage.db, fields, now);
    await insertSession(storage.db, {
      token: "00000000-0000-4000-8000-00000000c0de",
      certificate_id: cert.id,
      profile_id: profile.id,
      nonce: new Uint8Array(32).fill(index),
      nonce_expires_at: now + 300_000,
      created_at: now,
      last_seen_at: now,
      client_address: `127.0.0.${index}`,
    });
  }

  test("each database reads its own pending login through the shared compiled statements", async () => {
    for (const [index, each] of opened.entries()) await sameToken(each.storage, index + 1);
    for (let round = 0; round < 2; round++) {
      for (const [index, each] of opened.entries()) {
        const read = async (db: Storage["db"]) =>
          findPendingLogin(db, "00000000-0000-4000-8000-00000000c0de");
        const outside = await read(each.storage.db);
        const inside = await each.storage.db.transaction().execute((trx) => read(trx));
        for (const pending of [outside, inside]) {
          assert.equal(pending?.session.client_address, `127.0.0.${index + 1}`);
          assert.deepEqual([...new Uint8Array(pending?.certificateDer ?? [])], [index + 1, 1, 2, 3]);
          assert.equal(new Uint8Array(pending?.session.nonce ?? [])[0], index + 1);
        }
      }
    }
  });

  test("a confirmation in one database leaves the same session id in another unconfirmed", async () => {
    const [first, second] = opened;
    assert.ok(first && second);
    const token = "00000000-0000-4000-8000-00000000c0de";
    const a = await findPendingLogin(first.storage.db, token);
    const b = await findPendingLogin(second.storage.db, token);
    assert.ok(a && b);
    assert.equal(await confirmSession(first.storage.db, a.session.id, now + 1), true);
    assert.equal((await findPendingLogin(second.storage.db, token))?.session.confirmed, 0);
    assert.equal(await confirmSession(second.storage.db, b.session.id, now + 1), true);
  });
});
