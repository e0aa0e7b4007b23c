/**
 * A real `certchat serve` (the compiled bin/certchat.js, as `npm start` runs it) on a random loopback port with
 * a temporary data directory, the embedded test CA and an HTTP SMS gateway that records the codes; users are
 * issued with `certchat ca issue` like the README's quick start does.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exited, freePort } from "../../support/processes.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";

const BIN = new URL("../../../bin/certchat.js", import.meta.url).pathname;

export interface IssuedUser {
  readonly name: string;
  readonly phone: string;
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
}

export class CertchatServe {
  readonly dataDir = mkdtempSync(join(tmpdir(), "certchat-e2e-"));
  readonly sms = new TestSmsGateway();
  url = "";
  private child?: ChildProcess;
  private port = 0;
  private smsUrl = "";
  private output = "";

  async start(): Promise<void> {
    if (!this.smsUrl) this.smsUrl = await this.sms.start();
    if (!this.port) this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    this.output = "";
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (chunk) => {
      this.output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      this.output += chunk;
    });
    for (;;) {
      if (child.exitCode !== null) throw new Error(`certchat serve exited:\n${this.output}`);
      const ready = await fetch(`${this.url}/readyz`).then(
        (response) => response.ok,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server (SIGTERM, as an operator would) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    await exited(child);
    this.child = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.sms.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A user certificate of the server's test CA (`certchat ca issue`, `extra` its further options), in its own directory. */
  issue(options: { name: string; snils: string; alg: string; phone: string; extra?: string[] }): IssuedUser {
    const dir = mkdtempSync(join(this.dataDir, "user-"));
    execFileSync(
      process.execPath,
      [
        BIN,
        "ca",
        "issue",
        "--name",
        options.name,
        "--snils",
        options.snils,
        "--alg",
        options.alg,
        "--out",
        dir,
        ...(options.extra ?? []),
      ],
      { env: this.env(), stdio: "pipe" },
    );
    return {
      name: options.name,
      phone: options.phone,
      dir,
      certPath: join(dir, "cert.pem"),
      keyPath: join(dir, "key.pem"),
    };
  }

  /** Runs a `certchat` command (the compiled CLI, as a user runs it) to completion; its stdout. */
  cli(args: string[]): string {
    return execFileSync(process.execPath, [BIN, ...args], { env: this.env(), stdio: "pipe" }).toString();
  }

  /** The last SMS code sent to `phone` (digits only, as the gateway receives it). */
  lastCodeFor(phone: string): string | undefined {
    return this.sms.lastCodeFor(phone)?.code;
  }

  log(): string {
    return this.output;
  }

  readFile(path: string): Buffer {
    return readFileSync(path);
  }

  private env(): NodeJS.ProcessEnv {
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_")),
    );
    return {
      ...base,
      CERTCHAT_HOST: "127.0.0.1",
      CERTCHAT_PORT: String(this.port),
      CERTCHAT_DATA_DIR: this.dataDir,
      CERTCHAT_METRICS_PORT: "0",
      CERTCHAT_DRAIN_DELAY: "0",
      CERTCHAT_LOG_LEVEL: "warn",
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: this.smsUrl,
      CERTCHAT_AUTH_RATE: "100000/1s",
      CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "100000",
    };
  }
}

/** Olga, Boris and Carl (ECDSA P-256), with SNILS and phones in a series of their own per test file ("05" → …0501–03). */
export function issueTrio(
  server: CertchatServe,
  series: string,
): { olga: IssuedUser; boris: IssuedUser; carl: IssuedUser } {
  const person = (name: string, n: number) =>
    server.issue({ name, snils: `1000000${series}0${n}`, alg: "ecdsa-p256", phone: `7999000${series}0${n}` });
  return {
    olga: person("Ольгина Ольга Олеговна", 1),
    boris: person("Борисов Борис Борисович", 2),
    carl: person("Карлов Карл Карлович", 3),
  };
}
