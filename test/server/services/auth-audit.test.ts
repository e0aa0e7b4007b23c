import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import { listAuditEvents } from "../../../src/server/storage/repositories/audit.ts";
import { backends, issueUser, logIn, startTestServer, type TestServer } from "../../support/server.ts";

for (const backend of backends) {
  describe(`login audit [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ backend });
    });
    after(async () => server.close());

    const eventsOf = async (profileId: number) =>
      (await listAuditEvents(server.server.storage.db, { profileId, limit: 100 })).map((event) => ({
        type: event.type,
        actor: event.actor,
        session: event.session_id !== null,
        details: event.details,
      }));

    const sessionOf = (token: string) =>
      server.server.storage.db
        .selectFrom("sessions")
        .selectAll()
        .where("token", "=", token)
        .executeTakeFirstOrThrow();

    test("a first login records the certificate attached and the login, in that order", async () => {
      const user = await issueUser(server, { snils: "11223344595" });
      const session = await sessionOf(await logIn(server, user));
      assert.deepEqual(await eventsOf(session.profile_id), [
        { type: "certificate.attached", actor: "system", session: false, details: '{"address":"127.0.0.1"}' },
        {
          type: "login",
          actor: `profile:${session.profile_id}`,
          session: true,
          details: '{"address":"127.0.0.1"}',
        },
      ]);
    });

    test("a second login with the same certificate records a login only", async () => {
      const user = await issueUser(server, { snils: "08765430300" });
      const first = await sessionOf(await logIn(server, user));
      await logIn(server, user);
      assert.deepEqual(
        (await eventsOf(first.profile_id)).map((event) => event.type),
        ["certificate.attached", "login", "login"],
      );
    });

    test("a failed confirmation records no login", async () => {
      const user = await issueUser(server, { snils: "12345678964" });
      const auth = await server.post("/api/auth/", {
        cert: encodeBase64(user.der),
        sign: user.sign(user.der),
      });
      const { token } = auth.body.data as { token: string };
      const refused = await server.post("/api/confirmAuth/", { token, sign: user.sign(new Uint8Array(32)) });
      assert.equal(refused.body.error, "InvalidSignature");
      const session = await sessionOf(token);
      assert.deepEqual(
        (await eventsOf(session.profile_id)).map((event) => event.type),
        ["certificate.attached"],
      );
    });
  });
}
