import { rmSync } from "node:fs";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import { type ChatUser, call, chatServerEnv, chatUser } from "../../../test/support/chats.ts";
import { tempDataDir } from "../../../test/support/cli.ts";
import { type ApiServer, poster } from "../../../test/support/server.ts";
import { TestSmsGateway } from "../../../test/support/sms-gateway.ts";
import { type ServerProcess, startServerProcess } from "../server-process.ts";

/** Distinct phones one account may look up per day on the attacked server (its setting, kept small). */
const QUOTA = 20;
/** Registered users whose phones hide among the probes: more than the quota, so a leak shows. */
const VICTIMS = 25;
/** Distinct phones the attacker probes. */
const PROBES = 500;
/** Phones per request, as a harvesting client batches them. */
const BATCH = 10;
/** Every request gets this long; a hung server fails the attack instead of stalling it. */
const REQUEST_TIMEOUT_MS = 15_000;

function fail(message: string): never {
  throw new Error(`contact-quota attack: ${message}`);
}

async function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer in ${REQUEST_TIMEOUT_MS} ms`)),
      REQUEST_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Probe phones: the victims' first, then unknown ones. The worst case for the quota: every phone it admits
 * is a hit, so without it the attacker would learn all VICTIMS (more than QUOTA).
 */
function probeList(victims: ChatUser[]): string[] {
  const unknown = Array.from(
    { length: PROBES - victims.length },
    (_, index) => `7966${String(index).padStart(7, "0")}`,
  );
  return [...victims.map((victim) => victim.phone), ...unknown];
}

/**
 * Issue #11 item 5: one account probes PROBES distinct phones in batches against a spawned `certchat serve`
 * whose quota is QUOTA phones a day. It must learn at most QUOTA phones' profiles, every refusal must be
 * DataError, a repeat of phones it already looked up must still be answered, and another account must be
 * unaffected. Throws on any failure; returns the figures.
 */
export async function contactQuotaAttack(): Promise<Record<string, string | number>> {
  const dataDir = tempDataDir();
  const sms = new TestSmsGateway();
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({
      ...chatServerEnv,
      CERTCHAT_DATA_DIR: dataDir,
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: await sms.start(),
      CERTCHAT_VERIFY_WORKERS: "1",
      CERTCHAT_CONTACT_LOOKUPS_PER_DAY: String(QUOTA),
    });
    const api: ApiServer = { dataDir, sms, post: poster(server.url) };
    const victims: ChatUser[] = [];
    for (let i = 0; i < VICTIMS; i++) victims.push(await chatUser(api, `Жертвова Вера ${i}`));
    const attacker = await chatUser(api, "Сборщиков Харвест Иванович");
    const bystander = await chatUser(api, "Соседов Сосед Соседович");
    const victimPids = new Set(victims.map((victim) => victim.pid));

    const revealed = new Set<number>();
    const refusals = new Map<string, number>();
    let answeredPhones = 0;
    let firstBatch: string[] = [];
    const phones = probeList(victims);
    for (let from = 0; from < phones.length; from += BATCH) {
      const batch = phones.slice(from, from + BATCH);
      if (from === 0) firstBatch = batch;
      const reply = await withTimeout(
        api.post("/api/contacts/", { token: attacker.token, phones: batch }),
        "contacts",
      );
      if (reply.status !== 200) fail(`HTTP ${reply.status} for a lookup`);
      if (!reply.body.success) {
        const code = reply.body.error ?? "(none)";
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
        if (reply.body.data !== undefined) fail("a refusal carried data");
        continue;
      }
      answeredPhones += batch.length;
      for (const contact of reply.body.data as Contact[]) revealed.add(contact.pid);
    }

    if (answeredPhones > QUOTA) fail(`${answeredPhones} distinct phones answered, quota ${QUOTA}`);
    if (revealed.size > QUOTA) fail(`learned ${revealed.size} profiles, quota ${QUOTA}`);
    if (revealed.size === 0) fail("nothing was answered at all: the quota is not what refused");
    if ([...revealed].some((pid) => !victimPids.has(pid))) fail("learned a profile it never probed");
    const codes = [...refusals.keys()];
    if (codes.length !== 1 || codes[0] !== "DataError") fail(`refusal codes ${codes.join(",") || "none"}`);

    // A phone already looked up today costs nothing: the first batch is still answered.
    const repeat = await withTimeout(
      call<Contact[]>(api, "/api/contacts/", { token: attacker.token, phones: firstBatch }),
      "repeat",
    );
    const repeatPids = new Set(repeat.map((contact) => contact.pid));
    if ([...repeatPids].some((pid) => !revealed.has(pid))) fail("a repeat revealed something new");

    // Another account is unaffected: it finds victims the attacker was refused.
    const hidden = victims.filter((victim) => !revealed.has(victim.pid)).slice(0, QUOTA);
    if (hidden.length === 0) fail("every victim was revealed: the attack proves nothing");
    const found = await withTimeout(
      call<Contact[]>(api, "/api/contacts/", { token: bystander.token, phones: hidden.map((v) => v.phone) }),
      "bystander",
    );
    if (found.length !== hidden.length) fail(`the bystander found ${found.length} of ${hidden.length}`);
    if (!server.alive()) fail("the server exited");

    return {
      probed_phones: phones.length,
      batch: BATCH,
      answered_phones: answeredPhones,
      revealed: revealed.size,
      victims: VICTIMS,
      quota: QUOTA,
      refused_requests: refusals.get("DataError") ?? 0,
      refusal: "DataError",
      bystander_found: found.length,
    };
  } finally {
    await server?.kill();
    await sms.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
