import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "socket.io-client";
import { decodeCertificateText, parseCertificate } from "../../../src/pki/certificate.ts";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import { createTestCa, writeTestCrl } from "../../../src/server/test-ca.ts";
import { testCaDir } from "../../../src/server/trust-setup.ts";
import { type ChatUser, chatServerEnv, chatUser } from "../../../test/support/chats.ts";
import { runCli } from "../../../test/support/cli.ts";
import { signRawForTest } from "../../../test/support/raw-sign.ts";
import { type ApiServer, logIn, poster, registerPhone, type TestUser } from "../../../test/support/server.ts";
import { TestSmsGateway } from "../../../test/support/sms-gateway.ts";
import { chatBetween, connectV2, connectV4, nextEvent, request } from "../../../test/support/sockets.ts";
import { startServerProcess } from "../server-process.ts";

/**
 * How long the short-lived certificate lasts after `ca issue` starts: enough to run the CLI and log in, short
 * to wait for. Scaled by how long the server took to start, so that a loaded machine does not fail the run.
 */
function shortValidityMs(startMs: number): number {
  return Math.min(90_000, Math.max(15_000, 3 * startMs));
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`certificate sessions: ${what}`);
}

/** The user in a folder `certchat ca issue` wrote. */
function userFromFiles(dir: string): TestUser {
  const der = decodeCertificateText(readFileSync(join(dir, "cert.pem"), "utf8"));
  const keyPem = readFileSync(join(dir, "key.pem"), "utf8");
  return { der, keyPem, sign: (data, layout) => encodeBase64(signRawForTest(keyPem, data, layout)) };
}

/** A handshake with this token: undefined when it connected, else the refusal's error code. */
async function handshakeRefusal(url: string, token: string): Promise<string | undefined> {
  try {
    (await connectV4(url, { token })).close();
    return undefined;
  } catch (error) {
    return (error as { data?: { error?: string } }).data?.error;
  }
}

/** The deployed client's `session` event with this token: the ack's error code, if refused. */
async function sessionEventRefusal(url: string, token: string): Promise<string | undefined> {
  const legacy = await connectV2(url);
  try {
    return (await request(legacy, "session", token)).error;
  } finally {
    legacy.close();
  }
}

async function restError(api: ApiServer, token: string): Promise<string | undefined> {
  return (await api.post("/api/profile/", { token })).body.error;
}

/**
 * Sessions end with their certificate (issue 11, item 3), against a real `certchat serve`: a user whose
 * certificate (issued with `ca issue --not-after`) expires while logged in, and a user revoked with
 * `ca revoke` + `ca crl` + SIGHUP, lose their sockets at once and are refused over REST and the socket with
 * CertificateExpired and InvalidCertificate; a third user keeps working throughout. Throws on any failure.
 */
export async function certificateSessionsAttack(): Promise<Record<string, string | number>> {
  const dataDir = mkdtempSync(join(tmpdir(), "certchat-cert-sessions-"));
  const caDir = testCaDir(dataDir);
  const crlPath = join(caDir, "crl.pem");
  const cliEnv = { CERTCHAT_DATA_DIR: dataDir };
  const sms = new TestSmsGateway();
  const sockets: Socket[] = [];
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    await createTestCa(caDir);
    await writeTestCrl(caDir, crlPath); // empty: CERTCHAT_CRL must name a readable CRL at start-up
    const smsUrl = await sms.start();
    const startedAt = Date.now();
    server = await startServerProcess({
      ...chatServerEnv,
      CERTCHAT_DATA_DIR: dataDir,
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: smsUrl,
      CERTCHAT_CRL: crlPath,
      CERTCHAT_VERIFY_WORKERS: "2",
    });
    const validityMs = shortValidityMs(Date.now() - startedAt);
    const shortDir = join(dataDir, "short-lived");
    const notAfter = new Date(Date.now() + validityMs);
    const issueArgs = ["ca", "issue", "--name", "Краткова Клара Карловна", "--snils", "90000000001"];
    const issued = await runCli(
      [...issueArgs, "--not-after", notAfter.toISOString(), "--out", shortDir],
      cliEnv,
    );
    check(issued.code === 0, `ca issue --not-after failed: ${issued.stderr}`);
    const api: ApiServer = { dataDir, sms, post: poster(server.url) };

    const shortLived = userFromFiles(shortDir);
    const shortToken = await logIn(api, shortLived).catch((error: Error) => {
      throw new Error(
        `certificate sessions: the short-lived user could not log in in time (${error.message})`,
      );
    });
    await registerPhone(api, shortToken, "79660000001");
    const normal: ChatUser = await chatUser(api, "Нормов Никита Николаевич");
    const revoked: ChatUser = await chatUser(api, "Отозванов Олег Олегович");
    const chat = await chatBetween(api, normal, revoked);
    const connect = async (token: string) => {
      const socket = await connectV4(server?.url as string, { token });
      sockets.push(socket);
      return socket;
    };
    const shortSocket = await connect(shortToken);
    const revokedSocket = await connect(revoked.token);
    const normalSocket = await connect(normal.token);
    check((await request(normalSocket, "subscribe", chat)).success, "the normal user could not subscribe");

    // (a) The certificate expires: its socket is dropped at notAfter, without any event from the client.
    const shortDropped = nextEvent(shortSocket, "disconnect", validityMs + 10_000);
    check((await restError(api, shortToken)) === undefined, "the short-lived user was refused before expiry");
    check((await shortDropped) === "io server disconnect", "the expired user's socket was not dropped");
    const expiredAt = parseCertificate(shortLived.der).notAfter.getTime();
    check(Date.now() > expiredAt, "the socket was dropped before the certificate expired");
    check(
      (await restError(api, shortToken)) === "CertificateExpired",
      "REST did not answer CertificateExpired",
    );
    check(
      (await handshakeRefusal(server.url, shortToken)) === "CertificateExpired",
      "a socket handshake was not refused with CertificateExpired",
    );
    check(
      (await sessionEventRefusal(server.url, shortToken)) === "CertificateExpired",
      "the session event was not refused with CertificateExpired",
    );

    // (b) Revocation: ca revoke + ca crl rewrite CERTCHAT_CRL; SIGHUP makes the server re-read it.
    const revokedDir = join(dataDir, "revoked");
    mkdirSync(revokedDir, { recursive: true });
    writeFileSync(join(revokedDir, "cert.pem"), revoked.user.der);
    const revoke = await runCli(["ca", "revoke", join(revokedDir, "cert.pem")], cliEnv);
    check(revoke.code === 0, `ca revoke failed: ${revoke.stderr}`);
    const crl = await runCli(["ca", "crl"], cliEnv);
    check(crl.code === 0, `ca crl failed: ${crl.stderr}`);
    const revokedDropped = nextEvent(revokedSocket, "disconnect", 10_000);
    server.child.kill("SIGHUP");
    check((await revokedDropped) === "io server disconnect", "the revoked user's socket was not dropped");
    check(
      (await restError(api, revoked.token)) === "InvalidCertificate",
      "REST did not answer InvalidCertificate",
    );
    check(
      (await handshakeRefusal(server.url, revoked.token)) === "InvalidCertificate",
      "a socket handshake was not refused with InvalidCertificate",
    );
    const relogin = await api.post("/api/auth/", {
      cert: encodeBase64(revoked.user.der),
      sign: revoked.user.sign(revoked.user.der),
    });
    check(relogin.body.error === "InvalidCertificate", "the revoked certificate could log in again");

    // The normal user kept its socket and works on, over REST and the socket.
    check(normalSocket.connected, "the normal user's socket was dropped");
    check((await restError(api, normal.token)) === undefined, "the normal user was refused over REST");
    const history = await request(normalSocket, "messages", { chat });
    check(history.success, `the normal user's socket event failed: ${history.error}`);
    check(server.alive(), "the server died");
    check(!/"level":(50|60)/.test(server.output()), `the server logged errors: ${server.output()}`);
    return {
      expired_sessions_ended: 1,
      revoked_sessions_ended: 1,
      normal_user_kept: 1,
      short_validity_s: Math.round(validityMs / 1000),
    };
  } finally {
    for (const socket of sockets) socket.close();
    await server?.kill();
    await sms.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
