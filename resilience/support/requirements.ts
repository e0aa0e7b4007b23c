import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { backends } from "../../test/support/storage.ts";

/** A reason to skip, turned into a failure under CI=true, where every resilience test must run. */
function skipUnlessCi(reason: string | false): string | false {
  if (reason && process.env.CI === "true") throw new Error(`${reason}: required under CI=true`);
  return reason;
}

function runs(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

/** The machine's PostgreSQL test cluster (test/support/storage.ts already fails under CI when it is down). */
export const sharedPostgresSkip: string | false =
  backends.find((backend) => backend.name === "postgres")?.skip ?? "no PostgreSQL backend";

/** Called by the tests that need it, so a missing redis-server fails only those under CI. */
export function redisSkip(): string | false {
  return skipUnlessCi(runs("redis-server", ["--version"]) ? false : "redis-server is not installed");
}

/** Where initdb and pg_ctl live (Debian keeps them out of PATH). */
export function postgresBinDir(): string | undefined {
  const probe = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const dir = probe.status === 0 ? probe.stdout.trim() : "";
  return dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")) ? dir : undefined;
}

/** A PostgreSQL instance of the test's own needs initdb/pg_ctl and, as root, a `postgres` user to run them. */
export function privatePostgresSkip(): string | false {
  return skipUnlessCi(
    !postgresBinDir()
      ? "initdb/pg_ctl not found (pg_config --bindir)"
      : process.getuid?.() === 0 && !runs("id", ["postgres"])
        ? "running as root without a postgres user for initdb"
        : false,
  );
}
