import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import type { IssueOptions } from "../../../src/server/test-ca.ts";
import {
  call,
  encrypt,
  type KeyHolder,
  keysFor,
  newChatKey,
  profileOf,
} from "../../../test/support/chats.ts";
import {
  type Envelope,
  issueUserOf,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../../../test/support/server.ts";
import { createTrustedCas, type TrustedTestCa, trustSetting } from "../../../test/support/trust-anchors.ts";

/**
 * Issue #11's profile takeover, replayed against a real server on loopback that trusts three CAs: the
 * victim's qualified CA, a second qualified CA and a corporate CA that is not marked qualified. A foreign
 * certificate carrying the victim's SNILS and OGRN tries to become the victim: (1) from the corporate CA,
 * (2) from the second qualified CA without the SMS step, (3) from it again confirming a phone of its own.
 * None may see the victim's profile, chat list or history, or change the profile. Then the victim renews
 * the certificate at the second qualified CA and joins the profile with one SMS code. Throws on any failure.
 */

const DEADLINE_MS = 120_000;
const SNILS = "13579246801";
const OGRN = "1027700132195";
const VICTIM = { name: "Жертва Вера Викторовна", title: "Бухгалтер", org: "ООО Ромашка" } as const;
const VICTIM_PHONE = "79120000001";
const ATTACKER_PHONE = "79990000666";
/** Past the SMS resend interval: the renewal's code goes to the phone the victim registered earlier. */
const RESEND_GAP_MS = 61_000;

interface Observed {
  pid: number;
  name: string;
  title: string | null;
  company: string | null;
  certificates: number;
  chats: string[];
  history: number[];
}

class AttackFailure extends Error {}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new AttackFailure(`takeover attack: ${what}`);
}

export async function takeoverAttack(): Promise<Record<string, string | number>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AttackFailure(`takeover attack: over ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
  });
  const root = await mkdtemp(join(tmpdir(), "certchat-takeover-"));
  let server: TestServer | undefined;
  try {
    return await Promise.race([
      deadline,
      (async () => {
        const cas = await createTrustedCas(root, {
          victims: { name: "Accredited CA One", qualified: true },
          corporate: { name: "Corporate CA", qualified: false },
          second: { name: "Accredited CA Two", qualified: true },
        });
        server = await startTestServer({
          env: { CERTCHAT_TRUST: trustSetting([cas.victims, cas.corporate, cas.second]) },
        });
        return await replay(server, cas);
      })(),
    ]);
  } finally {
    clearTimeout(timer);
    await server?.close();
    await rm(root, { recursive: true, force: true });
  }
}

async function replay(
  server: TestServer,
  cas: Record<"victims" | "corporate" | "second", TrustedTestCa>,
): Promise<Record<string, string | number>> {
  const post = async (path: string, body: Record<string, unknown>): Promise<Envelope> =>
    (await server.post(path, body)).body;
  const issue = (ca: TrustedTestCa, options: Partial<IssueOptions> & { name: string }) =>
    issueUserOf(ca.dir, { snils: SNILS, ogrn: OGRN, ...options });

  // The victim and a colleague share a personal chat with one message.
  const victimUser = await issue(cas.victims, VICTIM);
  const victimToken = await logIn(server, victimUser);
  await registerPhone(server, victimToken, VICTIM_PHONE);
  const colleagueUser = await issueUserOf(cas.victims.dir, { name: "Коллега Кира К", snils: "08765430300" });
  const colleagueToken = await logIn(server, colleagueUser);
  await registerPhone(server, colleagueToken, "79120000002");
  const victim: KeyHolder & { cid: number } = await profileOf(server, victimToken);
  const colleague = await profileOf(server, colleagueToken);
  const chatKey = newChatKey();
  const { chatId } = await call<{ chatId: string }>(server, "/api/createChat/", {
    token: victimToken,
    type: 0,
    keys: keysFor(chatKey, [victim, colleague]),
  });
  await call(server, "/api/sendMessage/", {
    token: victimToken,
    chat: chatId,
    cid: victim.cid,
    type: "txt",
    text: encrypt(chatKey, "квартальный отчёт"),
    sign: victimUser.sign(Buffer.from("квартальный отчёт")),
  });

  const observe = async (token: string): Promise<Observed> => {
    const profile = await call<{
      pid: number;
      name: string;
      title: string | null;
      company: string | null;
      certificates: unknown[];
    }>(server, "/api/profile/", { token });
    const chats = await call<{ chatId: string }[]>(server, "/api/contacts/", { token });
    const history = await call<{ id: number }[]>(server, "/api/messages/", { token, chat: chatId });
    return {
      pid: profile.pid,
      name: profile.name,
      title: profile.title,
      company: profile.company,
      certificates: profile.certificates.length,
      chats: chats.map((chat) => chat.chatId),
      history: history.map((message) => message.id),
    };
  };
  const baseline = await observe(victimToken);
  expect(baseline.chats.includes(chatId) && baseline.history.length === 1, "the victim's chat is in place");

  /** auth → confirmAuth with a certificate; the token and whether a phone must be confirmed first. */
  const confirmAuth = async (user: TestUser) => {
    const auth = await post("/api/auth/", { cert: encodeBase64(user.der), sign: user.sign(user.der) });
    expect(auth.success, `auth refused: ${auth.error}`);
    const { nonce, token } = auth.data as { nonce: string; token: string };
    const confirm = await post("/api/confirmAuth/", {
      token,
      sign: user.sign(new Uint8Array(Buffer.from(nonce, "base64"))),
    });
    expect(confirm.success, `confirmAuth refused: ${confirm.error}`);
    return { token, needRegisterPhone: (confirm.data as { needRegisterPhone: boolean }).needRegisterPhone };
  };

  /** What of the victim the attacker's token reached or changed (nothing, or the attempt is a takeover). */
  const takeovers: string[] = [];
  const checkNothingTaken = async (attempt: string, attackerToken: string) => {
    const found: string[] = [];
    for (const [path, body] of [
      ["/api/profile/", {}],
      ["/api/contacts/", {}],
      ["/api/contacts/", { phones: [VICTIM_PHONE] }],
      ["/api/messages/", { chat: chatId }],
    ] as const) {
      const reply = await post(path, { token: attackerToken, ...body });
      const leaked =
        reply.success &&
        (JSON.stringify(reply.data).includes(chatId) || (reply.data as { pid?: number }).pid === victim.pid);
      if (leaked) found.push(`${path} showed the victim's data`);
    }
    const now = await observe(victimToken);
    if (JSON.stringify(now) !== JSON.stringify(baseline)) found.push("the victim's profile changed");
    const [seen] = await call<{ pid: number; certificates: unknown[] }[]>(server, "/api/contacts/", {
      token: colleagueToken,
      phones: [VICTIM_PHONE],
    });
    if (seen?.certificates.length !== 1) found.push("others are offered the attacker's certificate");
    if (found.length > 0) takeovers.push(`${attempt}: ${found.join(", ")}`);
  };

  const attacker = { name: "Захватов Зиновий З", title: "Директор", org: "ООО Захват" };
  let attempts = 0;

  // (1) The corporate CA vouches for the victim's SNILS and OGRN: a profile of its own, never the victim's.
  attempts += 1;
  const corporate = await confirmAuth(await issue(cas.corporate, attacker));
  const toVictimPhone = await post("/api/registryPhone/", { token: corporate.token, phone: VICTIM_PHONE });
  expect(
    toVictimPhone.error === "PhoneAlreadyRegistered",
    "corporate certificate: the victim's phone was accepted",
  );
  await registerPhone(server, corporate.token, ATTACKER_PHONE);
  const own = await profileOf(server, corporate.token);
  expect(own.pid !== victim.pid, "corporate certificate: joined the victim's profile");
  await checkNothingTaken("corporate certificate", corporate.token);

  // (2) A second accredited CA's certificate, without the SMS step.
  attempts += 1;
  const forged = await issue(cas.second, attacker);
  const waiting = await confirmAuth(forged);
  expect(waiting.needRegisterPhone, "second qualified CA: no SMS step was asked for");
  await checkNothingTaken("second qualified CA without SMS", waiting.token);

  // (3) The same certificate confirming a phone other than the profile's.
  attempts += 1;
  const smsBefore = server.sms.messages.length;
  const otherPhone = await post("/api/registryPhone/", { token: waiting.token, phone: "79990000777" });
  expect(
    otherPhone.error === "PhoneAlreadyRegistered",
    `wrong phone: answered ${JSON.stringify(otherPhone)}`,
  );
  expect(server.sms.messages.length === smsBefore, "wrong phone: an SMS was sent");
  await checkNothingTaken("wrong phone", waiting.token);

  expect(takeovers.length === 0, takeovers.join("; "));

  // The legitimate renewal: same person, new certificate from the second accredited CA, one SMS.
  server.clock.advance(RESEND_GAP_MS);
  const renewed = await issue(cas.second, { ...VICTIM, title: "Главный бухгалтер" });
  const renewal = await confirmAuth(renewed);
  expect(renewal.needRegisterPhone, "renewal: the new certificate was not asked for the SMS code");
  const smsBeforeRenewal = server.sms.messages.length;
  await registerPhone(server, renewal.token, VICTIM_PHONE);
  const renewalSms = server.sms.messages.length - smsBeforeRenewal;
  expect(
    renewalSms === 1 && server.sms.messages.at(-1)?.phone === VICTIM_PHONE,
    "renewal: not one SMS to the phone",
  );
  const joined = await observe(renewal.token);
  expect(joined.pid === victim.pid, "renewal: another profile");
  expect(
    joined.certificates === 2 && joined.title === "Главный бухгалтер",
    "renewal: certificate or title missing",
  );
  expect(joined.chats.includes(chatId) && joined.history.length === 1, "renewal: the chat is not visible");
  expect(
    (await confirmAuth(renewed)).needRegisterPhone === false,
    "renewal: the next login asks for SMS again",
  );

  return { takeover_attempts: attempts, takeovers: takeovers.length, renewal: "ok", renewal_sms: renewalSms };
}
