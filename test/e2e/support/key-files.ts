/**
 * Key containers made from a test-CA user's PEM files with OpenSSL, as people receive them: a standard PKCS#12
 * (.pfx), a GOST one in the TC26 password mode (PBES2 with GOST 28147-89 and a Streebog MAC, written by Debian's
 * libengine-gost-openssl), and an encrypted PKCS#8 key (PBES2, AES-256-CBC).
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IssuedUser } from "./certchat-serve.ts";

const GOST_ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/gost.so";

/** Why GOST containers cannot be written here, or false when they can. */
export const gostEngineMissing = existsSync(GOST_ENGINE)
  ? false
  : `libengine-gost-openssl is not installed (${GOST_ENGINE})`;

export function exportPfx(user: IssuedUser, password: string): string {
  const out = join(user.dir, "standard.pfx");
  execFileSync("openssl", pkcs12Args(user, password, out));
  return out;
}

export function exportGostPfx(user: IssuedUser, password: string): string {
  const conf = join(user.dir, "openssl-gost.cnf");
  writeFileSync(
    conf,
    [
      "openssl_conf = openssl_def",
      "[openssl_def]",
      "engines = engine_section",
      "[engine_section]",
      "gost = gost_section",
      "[gost_section]",
      "engine_id = gost",
      `dynamic_path = ${GOST_ENGINE}`,
      "default_algorithms = ALL",
      "",
    ].join("\n"),
  );
  const out = join(user.dir, "gost.pfx");
  const gost = ["-keypbe", "gost89", "-certpbe", "gost89", "-macalg", "md_gost12_256"];
  execFileSync("openssl", [...pkcs12Args(user, password, out), ...gost], {
    env: { ...process.env, OPENSSL_CONF: conf },
  });
  return out;
}

export function encryptKey(user: IssuedUser, password: string): string {
  const out = join(user.dir, "key-encrypted.pem");
  execFileSync("openssl", [
    "pkcs8",
    "-topk8",
    "-v2",
    "aes-256-cbc",
    "-in",
    user.keyPath,
    "-passout",
    `pass:${password}`,
    "-out",
    out,
  ]);
  return out;
}

function pkcs12Args(user: IssuedUser, password: string, out: string): string[] {
  return [
    "pkcs12",
    "-export",
    "-in",
    user.certPath,
    "-inkey",
    user.keyPath,
    "-passout",
    `pass:${password}`,
    "-out",
    out,
  ];
}
