import { leakIn } from "./answers.ts";
import { deepJsonText, junkString, junkValue, randomUuid } from "./fuzz-inputs.ts";
import type { Prng } from "./prng.ts";

const REQUEST_TIMEOUT_MS = 5_000;
/** Engine.IO v4 separates the packets of one polling payload with this character. */
const SEPARATOR = "\u001e";

/** A Socket.IO packet as text that the client libraries never produce (or refuse to). */
export function junkPacket(rng: Prng, token: string): string {
  const json = () => JSON.stringify(junkValue(rng)) ?? "null";
  return rng.weighted<() => string>([
    [
      4,
      () =>
        `42${JSON.stringify([rng.pick(["sendMessage", "messages", "subscribe", "session"]), junkValue(rng)])}`,
    ],
    [3, () => `42${rng.between(0, 9_999)}${JSON.stringify(["messages", junkValue(rng)])}`],
    [1, () => `429999999999999999999999${JSON.stringify(["subscribe", randomUuid(rng)])}`],
    [2, () => `42${rng.pick(["[]", "[1,2]", '{"a":1}', '"str"', "null", "[null]", "[", "]", '["x"'])}`],
    [1, () => `42${deepJsonText(rng, rng.pick([1_000, 50_000]))}`],
    [
      2,
      () =>
        `42${JSON.stringify([rng.pick(["connect", "disconnect", "disconnecting", "newListener", "removeListener", "error"]), json()])}`,
    ],
    [1, () => `42${JSON.stringify(["session", token])}`],
    [1, () => `42/nsp${rng.int(9)},${JSON.stringify(["subscribe", "x"])}`],
    [1, () => `40/admin,${json()}`],
    [1, () => `40${JSON.stringify({ token: junkString(rng) })}`],
    [1, () => rng.pick(["41", "43", "431[1]", `43${rng.int(99)}${json()}`, '44{"message":"x"}'])],
    [
      1,
      () =>
        `45${rng.pick(["1", "0", "99", "-1"])}-${JSON.stringify(["sendMessage", { _placeholder: true, num: rng.int(3) }])}`,
    ],
    [1, () => `46${rng.int(2)}-${JSON.stringify(["x", { _placeholder: true, num: 0 }])}`],
    [
      1,
      () =>
        rng.pick(["4", "49", "4x", "2", "3", "5", "6", "1", "0", "", "b", "bAAAA", "b!!!", "7", "2probe"]),
    ],
    [1, () => `4${junkString(rng)}`],
  ])();
}

async function fetchText(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    ...init,
    signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.status, text: await response.text() };
}

export interface EngineSessionResult {
  /** Packets the server took (POSTed before it closed the session). */
  sent: number;
  problems: string[];
}

/**
 * Opens an Engine.IO v4 polling session, connects to the main namespace (with a token half of the time) and
 * POSTs junk packets one by one until `count` or the server closes the session. Every HTTP answer must be
 * below 500 and leak nothing; a last short poll collects what the server wrote back (acks, errors).
 */
export async function engineSession(
  base: string,
  rng: Prng,
  token: string,
  count: number,
): Promise<EngineSessionResult> {
  const problems: string[] = [];
  const check = (what: string, answer: { status: number; text: string }) => {
    if (answer.status >= 500) problems.push(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
    const leak = leakIn(answer.text);
    if (leak) problems.push(`${what}: leak /${leak}/ ${answer.text.slice(0, 200)}`);
  };
  const open = await fetchText(`${base}/socket.io/?EIO=4&transport=polling`);
  check("handshake", open);
  const sid = /"sid":"([^"]+)"/.exec(open.text)?.[1];
  if (!sid) return { sent: 0, problems: [...problems, `no sid: ${open.text.slice(0, 200)}`] };
  const url = `${base}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const post = (body: string) =>
    fetchText(url, { method: "POST", body, headers: { "content-type": "text/plain" } });
  check("connect", await post(rng.chance(0.5) ? `40${JSON.stringify({ token })}` : "40"));
  let sent = 0;
  while (sent < count) {
    const packets = Array.from({ length: rng.chance(0.8) ? 1 : rng.between(2, 5) }, () =>
      junkPacket(rng, token),
    );
    const answer = await post(packets.join(SEPARATOR));
    sent += 1;
    check(`packet ${JSON.stringify(packets).slice(0, 120)}`, answer);
    if (answer.status !== 200) break;
  }
  try {
    check("poll", await fetchText(url, { signal: AbortSignal.timeout(1_000) }));
  } catch {
    // Nothing to read within a second: the long poll is still waiting, which is fine.
  }
  return { sent, problems };
}
