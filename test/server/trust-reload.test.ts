import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Socket } from "socket.io-client";
import { parseCertificate } from "../../src/pki/certificate.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { findCertificateById } from "../../src/server/storage/repositories/certificates.ts";
import {
  createTestCa,
  createTestCrl,
  issueTestCertificate,
  revokeTestCertificate,
  writeTestCrl,
} from "../../src/server/test-ca.ts";
import { TrustReloader } from "../../src/server/trust-reload.ts";
import { loadTrust, testCaDir } from "../../src/server/trust-setup.ts";
import { createServerPki } from "../../src/server/verification/server-pki.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../support/server.ts";
import { connectV4, nextEvent, request, within } from "../support/sockets.ts";
import { describeEachBackend } from "../support/storage.ts";
import { storedCertificate } from "./storage/repositories/fixtures.ts";

/** The server's error-level log lines, as pino writes them. */
function errorLog(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

for (const backend of backends) {
  describe(`CRL reload [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let crlDir: string;
    let log: ReturnType<typeof errorLog>;
    let alice: ChatUser;
    let bob: ChatUser;
    let aliceSocket: Socket;
    let bobSocket: Socket;

    before(async () => {
      // A folder of CRLs, empty at start: the test CA's CRL is written into it later.
      crlDir = mkdtempSync(join(tmpdir(), "certchat-crl-"));
      log = errorLog();
      server = await startTestServer({
        backend,
        logger: log.logger,
        env: { ...chatServerEnv, CERTCHAT_CRL: crlDir, CERTCHAT_VERIFY_WORKERS: "2" },
      });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      bob = await chatUser(server, "Бобров Борис Иванович");
      aliceSocket = await connectV4(server.url, { token: alice.token });
      bobSocket = await connectV4(server.url, { token: bob.token });
    });

    after(async () => {
      aliceSocket?.close();
      bobSocket?.close();
      await server?.close();
      rmSync(crlDir, { recursive: true, force: true });
    });

    /** Every verification worker answers a login with this certificate (one job per worker at once). */
    async function loginsOnEveryWorker(user: ChatUser): Promise<(string | undefined)[]> {
      const attempts = [0, 1].map(() =>
        server.post("/api/auth/", { cert: encodeBase64(user.user.der), sign: user.user.sign(user.user.der) }),
      );
      return (await Promise.all(attempts)).map((reply) => reply.body.error);
    }

    test("a reloaded CRL ends the revoked user's session and socket; new logins are refused on every worker", async () => {
      const caDir = testCaDir(server.dataDir);
      await revokeTestCertificate(caDir, alice.user.der);
      await writeTestCrl(caDir, join(crlDir, "crl.pem"));
      const disconnected = nextEvent(aliceSocket, "disconnect");
      assert.deepEqual(await server.server.reloadTrust(), { reloaded: true, revoked: 1 });
      assert.equal(await disconnected, "io server disconnect");
      const profile = await server.post("/api/profile/", { token: alice.token });
      assert.deepEqual(profile.body, { success: false, error: "InvalidCertificate" });
      assert.deepEqual(await loginsOnEveryWorker(alice), ["InvalidCertificate", "InvalidCertificate"]);
    });

    test("a user whose certificate is not on the CRL keeps working, over REST and the socket", async () => {
      assert.equal((await server.post("/api/profile/", { token: bob.token })).body.success, true);
      assert.equal(bobSocket.connected, true);
      const history = await request(bobSocket, "messages", { chat: "00000000-0000-4000-8000-000000000000" });
      assert.deepEqual(history, { success: false, error: "GetChatsError" });
      assert.deepEqual(await loginsOnEveryWorker(bob), [undefined, undefined]);
    });

    test("a broken CRL file on reload keeps the previous CRL, logs an error and the server serves on", async () => {
      writeFileSync(join(crlDir, "crl.pem"), "-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n");
      assert.deepEqual(await server.server.reloadTrust(), { reloaded: false, revoked: 0 });
      assert.ok(
        log.lines.some((line) => line.includes("trust/CRL reload failed")),
        log.lines.join("\n"),
      );
      assert.deepEqual(await loginsOnEveryWorker(alice), ["InvalidCertificate", "InvalidCertificate"]);
      assert.equal((await server.post("/api/profile/", { token: bob.token })).body.success, true);
    });
  });
}

describeEachBackend("trust reload's second check", (storage) => {
  test("a certificate stored just after a reload's check (a login validated before it) is marked at the re-check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "certchat-recheck-"));
    try {
      const caDir = join(dir, "ca");
      const crlPath = join(dir, "crl.pem");
      const { certPath } = await createTestCa(caDir);
      const late = parseCertificate(
        (await issueTestCertificate(caDir, { name: "Поздний Павел Павлович" })).der,
      );
      writeFileSync(crlPath, (await createTestCrl(caDir, { revokedSerials: [late.serialNumber] })).crlPem);
      const sources = { trust: [certPath], qualifiedTrust: [], crl: [crlPath], dataDir: dir };
      const pki = createServerPki();
      let ended!: () => void;
      const sessionsEnded = new Promise<void>((resolve) => {
        ended = resolve;
      });
      const reloader = new TrustReloader({
        sources,
        initial: (await loadTrust(sources, pki)).store,
        pki,
        workers: { updateTrust: () => {} },
        db: storage().db,
        clock: Date.now,
        logger: pino({ level: "silent" }),
        onSessionsEnded: ended,
        recheckAfterMs: 2_000,
      });
      assert.deepEqual(await reloader.reload(), { reloaded: true, revoked: 0 });
      // The late login's commit: after the reload's check, well before the re-check.
      const id = await storedCertificate(storage(), "recheck-late", late);
      await within(sessionsEnded, 30_000, "the re-check ending the late certificate's sessions");
      assert.notEqual((await findCertificateById(storage().db, id))?.revoked_at, null);
      await reloader.idle();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
