import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import type { RawSignatureLayout } from "../../src/pki/private-key.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { type CertchatServer, createServer } from "../../src/server/app.ts";
import { loadConfig } from "../../src/server/config.ts";
import { type StorageTarget, storageTarget } from "../../src/server/storage/database.ts";
import {
  createTestCa,
  type IssueAlgorithm,
  type IssueOptions,
  issueTestCertificate,
} from "../../src/server/test-ca.ts";
import { testCaDir } from "../../src/server/trust-setup.ts";
import { quietServerEnv } from "./cli.ts";
import { signRawForTest } from "./raw-sign.ts";
import { TestSmsGateway } from "./sms-gateway.ts";
import { type Backend, backends, type TestStorage } from "./storage.ts";

export interface Envelope {
  success: boolean;
  error?: string;
  data?: unknown;
}

export interface TestClock {
  now: number;
  advance(ms: number): void;
}

/** A certchat server on a loopback port with a fresh data directory, a test CA and a recording SMS gateway. */
export interface TestServer {
  url: string;
  dataDir: string;
  sms: TestSmsGateway;
  clock: TestClock;
  server: CertchatServer;
  /** The database the server uses (the backend's, or the data directory's SQLite file). */
  storageTarget: StorageTarget;
  /** POSTs JSON (or a form) and returns the HTTP status and parsed body. */
  post(
    path: string,
    body?: unknown,
    options?: { form?: boolean; headers?: Record<string, string> },
  ): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: Envelope;
}

/** What the user helpers need of a server: its data directory (test CA), SMS gateway and HTTP client. */
export type ApiServer = Pick<TestServer, "dataDir" | "sms" | "post">;

/** POSTs JSON (or a form) to `url` + path and returns the HTTP status and parsed body. */
export function poster(url: string): TestServer["post"] {
  return async (path, body, postOptions = {}) => {
    const headers: Record<string, string> = { ...postOptions.headers };
    let payload: string | undefined;
    if (postOptions.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      payload = new URLSearchParams(body as Record<string, string>).toString();
    } else if (body !== undefined) {
      headers["content-type"] ??= "application/json";
      payload = typeof body === "string" ? body : JSON.stringify(body);
    }
    const response = await fetch(`${url}${path}`, { method: "POST", headers, body: payload });
    return { status: response.status, body: (await response.json()) as Envelope };
  };
}

/** `caAlg`: the key algorithm of the server's test CA (default ECDSA P-256, as `certchat ca init`). */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    backend?: Backend;
    caAlg?: IssueAlgorithm;
    sessionCheckMs?: number;
    /** How often the server sweeps orphan files (default: CERTCHAT_BLOB_SWEEP_INTERVAL, 6h). */
    blobSweepMs?: number;
    /** How long requests in flight get to finish on close before their connections are cut (default 5 s). */
    httpFinishMs?: number;
    /** Where the server logs (default: nowhere). */
    logger?: Logger;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "certchat-server-"));
  if (options.caAlg) await createTestCa(testCaDir(dataDir), { alg: options.caAlg });
  const sms = new TestSmsGateway();
  const smsUrl = await sms.start();
  const clock: TestClock = {
    now: Date.now(),
    advance(ms) {
      this.now += ms;
    },
  };
  // Read inside the start's try below: a setting refused there must not leave the SMS gateway listening.
  const readConfig = () =>
    loadConfig({
      CERTCHAT_DATA_DIR: dataDir,
      CERTCHAT_PORT: "0",
      ...quietServerEnv,
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: smsUrl,
      CERTCHAT_SMS_HTTP_TIMEOUT: "500ms",
      // Every test client is 127.0.0.1: the login rate limit is tested on its own, with a low limit.
      CERTCHAT_AUTH_RATE: "100000/1s",
      // One verify worker, as the spawned test nodes: run from source each worker thread loads tsx and the
      // verifier anew (about a second of CPU), and a test that needs two says so.
      CERTCHAT_VERIFY_WORKERS: "1",
      ...options.env,
    });
  let storage: TestStorage | undefined;
  const release = async () => {
    await sms.stop();
    await storage?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let server: CertchatServer;
  let url: string;
  try {
    const config = readConfig();
    if (options.backend) storage = await options.backend.create();
    server = await createServer(config, {
      logger: options.logger ?? pino({ level: "silent" }),
      clock: () => clock.now,
      storage: storage?.target,
      sessionCheckMs: options.sessionCheckMs,
      blobSweepMs: options.blobSweepMs,
      httpFinishMs: options.httpFinishMs,
    });
    url = await server.listen();
  } catch (error) {
    // A failed start must not leave the SMS gateway listening: the test file would never finish.
    await release();
    throw error;
  }
  return {
    url,
    dataDir,
    sms,
    clock,
    server,
    storageTarget: storage?.target ?? storageTarget(dataDir, undefined),
    post: poster(url),
    async close() {
      await server.close();
      await release();
    },
  };
}

/** A user holding a certificate of the server's test CA and its private key. */
export interface TestUser {
  der: Uint8Array;
  keyPem: string;
  sign(data: Uint8Array, layout?: RawSignatureLayout): string;
}

/** `signLayout`: the layout `sign` uses when given none (e.g. "cryptoapi" or "standard" for GOST users). */
export async function issueUser(
  server: ApiServer,
  options: Partial<IssueOptions> & { signLayout?: RawSignatureLayout } = {},
): Promise<TestUser> {
  return issueUserOf(testCaDir(server.dataDir), options);
}

/** As `issueUser`, from the test CA in `caDir` (servers trusting several CAs). */
export async function issueUserOf(
  caDir: string,
  options: Partial<IssueOptions> & { signLayout?: RawSignatureLayout } = {},
): Promise<TestUser> {
  const { signLayout, ...issueOptions } = options;
  const issued = await issueTestCertificate(caDir, {
    name: "Иванов Иван Иванович",
    snils: "11223344595",
    ...issueOptions,
  });
  return {
    der: issued.der,
    keyPem: issued.keyPem,
    sign: (data, layout = signLayout) => encodeBase64(signRawForTest(issued.keyPem, data, layout)),
  };
}

/** /api/auth/ alone: a pending login's token and the nonce confirmAuth wants signed. */
export async function startLogin(
  server: ApiServer,
  user: TestUser,
): Promise<{ token: string; nonce: Uint8Array }> {
  const auth = await server.post("/api/auth/", { cert: encodeBase64(user.der), sign: user.sign(user.der) });
  if (!auth.body.success) throw new Error(`auth failed: ${auth.body.error}`);
  const { nonce, token } = auth.body.data as { nonce: string; token: string };
  return { token, nonce: new Uint8Array(Buffer.from(nonce, "base64")) };
}

/** auth → confirmAuth; returns the confirmed token. */
export async function logIn(server: ApiServer, user: TestUser): Promise<string> {
  const { token, nonce } = await startLogin(server, user);
  const confirm = await server.post("/api/confirmAuth/", { token, sign: user.sign(nonce) });
  if (!confirm.body.success) throw new Error(`confirmAuth failed: ${confirm.body.error}`);
  return token;
}

/** registryPhone → confirmPhone with the code the gateway received. */
export async function registerPhone(server: ApiServer, token: string, phone: string): Promise<void> {
  const registry = await server.post("/api/registryPhone/", { token, phone });
  if (!registry.body.success) throw new Error(`registryPhone failed: ${registry.body.error}`);
  const { id } = registry.body.data as { id: number };
  const code = server.sms.messages.at(-1)?.code;
  const confirm = await server.post("/api/confirmPhone/", { token, id, code });
  if (!confirm.body.success) throw new Error(`confirmPhone failed: ${confirm.body.error}`);
}

export { backends };
