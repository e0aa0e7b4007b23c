import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { KyselyPlugin } from "kysely";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import { bindLoginCertificate } from "../../../src/server/services/profile-binding.ts";
import type { Storage } from "../../../src/server/storage/database.ts";
import { insertClaim } from "../../../src/server/storage/repositories/certificate-claims.ts";
import { findOrInsertCertificate } from "../../../src/server/storage/repositories/certificates.ts";
import { findProfileById, upsertProfile } from "../../../src/server/storage/repositories/profiles.ts";
import type { IssueOptions } from "../../../src/server/test-ca.ts";
import {
  backends,
  type Envelope,
  issueUserOf,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../../support/server.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { createTrustedCas, type TrustedTestCa, trustSetting } from "../../support/trust-anchors.ts";
import { certificateFields, now, profileFields } from "../storage/repositories/fixtures.ts";

const OGRN = "1027700132195";
/** More than the SMS resend interval: each test's codes to one phone must not be refused as too soon. */
const RESEND_GAP_MS = 61_000;
const tempDir = useTempDir("certchat-binding-");

interface Victim {
  token: string;
  phone: string;
  pid: number;
  snils: string;
}

interface ProfileView {
  pid: number;
  name: string;
  title: string | null;
  phone: string;
  certificates: { id: number }[];
}

for (const backend of backends) {
  describe(`a certificate new to an existing profile [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let qualified: TrustedTestCa;
    let unqualified: TrustedTestCa;
    let secondQualified: TrustedTestCa;
    let phoneSeq = 0;
    // Valid SNILS (check digits) for one victim per test.
    const snilsPool = ["13579246801", "24680135795", "98765432100", "12345678964", "08765430300"];

    before(async () => {
      ({ qualified, unqualified, secondQualified } = await createTrustedCas(
        join(await tempDir(), backend.name),
        {
          qualified: { name: "Qualified CA One", qualified: true },
          unqualified: { name: "Corporate CA", qualified: false },
          secondQualified: { name: "Qualified CA Two", qualified: true },
        },
      ));
      const trust = trustSetting([qualified, unqualified, secondQualified]);
      server = await startTestServer({ backend, env: { CERTCHAT_TRUST: trust } });
    });
    after(async () => server?.close());

    const issue = (ca: TrustedTestCa, options: Partial<IssueOptions>) => issueUserOf(ca.dir, options);

    async function post(path: string, body: Record<string, unknown>): Promise<Envelope> {
      return (await server.post(path, body)).body;
    }

    async function profile(token: string): Promise<ProfileView> {
      const reply = await post("/api/profile/", { token });
      assert.equal(reply.success, true, reply.error);
      return reply.data as ProfileView;
    }

    /** auth → confirmAuth; the token and what confirmAuth answered. */
    async function confirmAuth(user: TestUser): Promise<{ token: string; needRegisterPhone: boolean }> {
      const auth = await post("/api/auth/", { cert: encodeBase64(user.der), sign: user.sign(user.der) });
      assert.equal(auth.success, true, auth.error);
      const { nonce, token } = auth.data as { nonce: string; token: string };
      const confirm = await post("/api/confirmAuth/", {
        token,
        sign: user.sign(new Uint8Array(Buffer.from(nonce, "base64"))),
      });
      assert.equal(confirm.success, true, confirm.error);
      return { token, ...(confirm.data as { needRegisterPhone: boolean }) };
    }

    /** A victim with a certificate of the first qualified CA and a confirmed phone. */
    async function victim(): Promise<Victim> {
      const snils = snilsPool[phoneSeq] as string;
      const phone = `7912000${String(++phoneSeq).padStart(4, "0")}`;
      const user = await issue(qualified, {
        name: "Жертва Вера Викторовна",
        snils,
        ogrn: OGRN,
        title: "Бухгалтер",
      });
      const token = await logIn(server, user);
      await registerPhone(server, token, phone);
      server.clock.advance(RESEND_GAP_MS);
      return { token, phone, snils, pid: (await profile(token)).pid };
    }

    async function assertUntouched(target: Victim): Promise<void> {
      const view = await profile(target.token);
      assert.equal(view.pid, target.pid);
      assert.equal(view.name, "Жертва Вера Викторовна");
      assert.equal(view.title, "Бухгалтер");
      assert.equal(view.certificates.length, 1);
    }

    test("a CA not marked qualified cannot join a profile by SNILS and OGRN", async () => {
      const target = await victim();
      const forged = await issue(unqualified, {
        name: "Захватов Зиновий З",
        snils: target.snils,
        ogrn: OGRN,
      });
      const session = await confirmAuth(forged);
      assert.equal(session.needRegisterPhone, true);
      const registry = await post("/api/registryPhone/", { token: session.token, phone: target.phone });
      assert.deepEqual(registry, { success: false, error: "PhoneAlreadyRegistered" });
      await assertUntouched(target);
    });

    test("a certificate from another qualified CA sees nothing of the profile before the SMS code", async () => {
      const target = await victim();
      const forged = await issue(secondQualified, {
        name: "Захватов Зиновий З",
        snils: target.snils,
        ogrn: OGRN,
      });
      const session = await confirmAuth(forged);
      assert.equal(session.needRegisterPhone, true);
      const asked = [
        ["/api/profile/", {}],
        ["/api/contacts/", {}],
        ["/api/contacts/", { phones: [target.phone] }],
        ["/api/messages/", { chat: "00000000-0000-4000-8000-000000000000" }],
      ] as const;
      for (const [path, body] of asked) {
        assert.deepEqual(await post(path, { token: session.token, ...body }), {
          success: false,
          error: "NeedRegisterPhone",
        });
      }
      await assertUntouched(target);
    });

    test("a waiting certificate is not offered to others for chat keys", async () => {
      const target = await victim();
      await confirmAuth(await issue(secondQualified, { name: "Ж В В", snils: target.snils, ogrn: OGRN }));
      const other = await logIn(server, await issue(qualified, { name: "Другой Д Д", snils: snilsPool[4] }));
      await registerPhone(server, other, "79129999999");
      const reply = await post("/api/contacts/", { token: other, phones: [target.phone] });
      assert.equal(reply.success, true, reply.error);
      const [contact] = reply.data as { pid: number; certificates: unknown[] }[];
      assert.equal(contact?.pid, target.pid);
      assert.equal(contact?.certificates.length, 1);
    });

    test("a new certificate confirming another phone is PhoneAlreadyRegistered and sends no SMS", async () => {
      const target = await victim();
      const forged = await issue(secondQualified, {
        name: "Захватов Зиновий З",
        snils: target.snils,
        ogrn: OGRN,
      });
      const session = await confirmAuth(forged);
      const sent = server.sms.messages.length;
      const registry = await post("/api/registryPhone/", { token: session.token, phone: "79995550000" });
      assert.deepEqual(registry, { success: false, error: "PhoneAlreadyRegistered" });
      assert.equal(server.sms.messages.length, sent);
      await assertUntouched(target);
    });

    test("a renewed certificate joins its profile with one SMS code sent to the profile's phone", async () => {
      const target = await victim();
      const renewed = await issue(secondQualified, {
        name: "Жертва Вера Викторовна",
        snils: target.snils,
        ogrn: OGRN,
        title: "Главный бухгалтер",
      });
      const session = await confirmAuth(renewed);
      assert.equal(session.needRegisterPhone, true);
      const sent = server.sms.messages.length;
      await registerPhone(server, session.token, target.phone);
      assert.equal(server.sms.messages.length, sent + 1);
      assert.equal(server.sms.messages.at(-1)?.phone, target.phone);
      const joined = await profile(session.token);
      assert.equal(joined.pid, target.pid);
      assert.equal(joined.title, "Главный бухгалтер");
      assert.equal(joined.certificates.length, 2);
      assert.equal((await profile(target.token)).certificates.length, 2);
      const again = await confirmAuth(renewed);
      assert.equal(again.needRegisterPhone, false);
    });

    test("a new certificate of a profile without a phone joins it by confirming a free phone", async () => {
      const snils = "11223344595";
      const first = await issue(qualified, { name: "Первый П П", snils, ogrn: OGRN });
      const firstSession = await confirmAuth(first);
      assert.equal(firstSession.needRegisterPhone, true);
      const second = await issue(secondQualified, { name: "Первый П П", snils, ogrn: OGRN, title: "Новая" });
      const secondSession = await confirmAuth(second);
      assert.equal(secondSession.needRegisterPhone, true);
      await registerPhone(server, secondSession.token, "79128888888");
      const joined = await profile(secondSession.token);
      assert.equal(joined.certificates.length, 2);
      assert.equal(joined.title, "Новая");
      assert.equal((await profile(firstSession.token)).pid, joined.pid);
    });
  });
}

describeEachBackend("bindLoginCertificate with a known certificate", (storage) => {
  /** The statements run through `db`, counted as their results come back. */
  function counting(db: Storage["db"]): { db: Storage["db"]; statements: () => number } {
    let statements = 0;
    const plugin: KyselyPlugin = {
      transformQuery: ({ node }) => node,
      transformResult: async ({ result }) => {
        statements++;
        return result;
      },
    };
    return { db: db.withPlugin(plugin), statements: () => statements };
  }

  async function knownCertificate(key: string, fingerprint: string) {
    const fields = profileFields(key);
    const profile = await upsertProfile(storage().db, fields, now);
    const { profile_id: _id, ...certificate } = certificateFields(profile.id, fingerprint);
    await findOrInsertCertificate(storage().db, { ...certificate, profile_id: profile.id }, now);
    return { profile, certificate, fields };
  }

  test("a login that says what the profile says reads once and writes nothing", async () => {
    const { profile, certificate, fields } = await knownCertificate("ru:61111111111:-", "k1");
    const { db, statements } = counting(storage().db);
    const { row } = await bindLoginCertificate(db, certificate, fields, now + 1);
    assert.equal(row.profile_id, profile.id);
    assert.equal(statements(), 1);
    assert.deepEqual(await findProfileById(storage().db, profile.id), profile);
  });

  test("a login whose certificate says something else describes the profile anew", async () => {
    const { profile, certificate, fields } = await knownCertificate("ru:62222222222:-", "k2");
    await bindLoginCertificate(storage().db, certificate, { ...fields, title: "Директор" }, now + 1);
    assert.equal((await findProfileById(storage().db, profile.id))?.title, "Директор");
    await bindLoginCertificate(storage().db, certificate, fields, now + 2);
    assert.equal((await findProfileById(storage().db, profile.id))?.title, null);
  });

  test("a login with a certificate waiting on its claim leaves the profile as it is", async () => {
    const { profile, certificate, fields } = await knownCertificate("ru:63333333333:-", "k3");
    const claimed = await upsertProfile(storage().db, profileFields("ru:64444444444:-"), now);
    const { row } = await bindLoginCertificate(storage().db, certificate, fields, now);
    await insertClaim(storage().db, { certificate_id: row.id, profile_id: claimed.id, created_at: now });
    await bindLoginCertificate(storage().db, certificate, { ...fields, name: "Петров Пётр" }, now + 1);
    assert.deepEqual(await findProfileById(storage().db, profile.id), profile);
  });
});
