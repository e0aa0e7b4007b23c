import { io as connectCurrent, type Socket } from "socket.io-client";
import connectLegacy from "socket.io-client-v2";
import type { AnySocket } from "../../test/support/sockets.ts";
import { checkEnvelope, leakIn } from "./answers.ts";
import { type Scene, socketEvents } from "./endpoints.ts";
import {
  addJunkField,
  deepValue,
  invalidBase64,
  junkNumber,
  junkString,
  junkValue,
  randomUuid,
} from "./fuzz-inputs.ts";
import type { Prng } from "./prng.ts";

const ACK_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface SocketFuzzWorld {
  url: string;
  scene: Scene;
  tokens: readonly string[];
}

/** What one socket input produced: the label it counts under and a problem, if any. */
export interface SocketOutcome {
  label: string;
  problem?: string;
  commonError?: boolean;
}

/** Event names the API does not have (the client library refuses to emit its reserved ones). */
const unknownEvents = [
  "",
  "foo",
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "message",
  "messages ",
  "SUBSCRIBE",
  "send message",
  "auth",
  "\u0000",
  "\ud800",
  "x".repeat(5_000),
] as const;

/** Checks an ack: exactly one argument, the envelope, nothing internal in it. */
export function judgeAck(args: unknown[]): { problem?: string; commonError?: boolean } {
  if (args.length !== 1) return { problem: `ack with ${args.length} arguments` };
  const text = JSON.stringify(args[0]) ?? "";
  const leak = leakIn(text);
  if (leak) return { problem: `leak /${leak}/: ${text.slice(0, 300)}` };
  const envelope = checkEnvelope(args[0]);
  if (!envelope.ok) return { problem: `ack is not an envelope: ${envelope.problem}: ${text.slice(0, 200)}` };
  return { commonError: !envelope.success && envelope.error === "CommonError" };
}

function mutatePayload(rng: Prng, payload: unknown, world: SocketFuzzWorld): unknown {
  if (rng.chance(0.15)) return junkValue(rng);
  if (typeof payload !== "object" || payload === null) {
    return rng.weighted<() => unknown>([
      [3, () => junkString(rng)],
      [2, () => randomUuid(rng)],
      [1, () => junkNumber(rng)],
      [1, () => ({ token: payload, chat: payload })],
      [1, () => [payload]],
      [1, () => payload],
    ])();
  }
  const body: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  for (let i = rng.between(1, 3); i > 0; i -= 1) {
    const keys = Object.keys(body);
    const key = keys.length > 0 ? rng.pick(keys) : "chat";
    rng.weighted<() => void>([
      [2, () => delete body[key]],
      [
        6,
        () => {
          body[key] = rng.weighted<() => unknown>([
            [3, () => junkValue(rng)],
            [2, () => invalidBase64(rng)],
            [1, () => Buffer.from(rng.bytes(rng.int(64))).toString("base64")],
            [1, () => randomUuid(rng)],
            [1, () => junkNumber(rng)],
            [1, () => world.scene.chat],
          ])();
        },
      ],
      [2, () => addJunkField(rng, body)],
    ])();
  }
  return body;
}

/** The arguments of one emit: a mutated valid payload, junk, deep nesting, binary, or several arguments. */
function emitArgs(rng: Prng, event: string, world: SocketFuzzWorld): unknown[] {
  const known = socketEvents.find((candidate) => candidate.name === event);
  const token = rng.pick(world.tokens);
  const valid = known ? known.payload(world.scene, token) : junkValue(rng);
  return rng.weighted<() => unknown[]>([
    [8, () => [mutatePayload(rng, valid, world)]],
    [1, () => [valid]],
    [1, () => []],
    [1, () => [deepValue(rng.pick([100, 1_000, 3_000]))]],
    [1, () => [Buffer.from(rng.bytes(rng.int(256)))]],
    [1, () => [mutatePayload(rng, valid, world), junkValue(rng), junkValue(rng)]],
  ])();
}

function pickEvent(rng: Prng): string {
  return rng.weighted<string>([
    [10, "session"],
    [18, "subscribe"],
    [10, "unsubscribe"],
    [26, "sendMessage"],
    [26, "messages"],
    [10, rng.pick(unknownEvents)],
  ]);
}

function emitWithTimeout(socket: AnySocket, event: string, args: unknown[]): Promise<unknown[] | string> {
  return new Promise((resolve) => {
    const onDisconnect = (reason: unknown) => finish(`disconnected (${String(reason)}) before the ack`);
    const timer = setTimeout(() => finish(`no ack in ${ACK_TIMEOUT_MS} ms`), ACK_TIMEOUT_MS);
    const finish = (result: unknown[] | string) => {
      clearTimeout(timer);
      socket.off("disconnect", onDisconnect);
      resolve(result);
    };
    socket.on("disconnect", onDisconnect);
    (socket as Socket).emit(event, ...args, (...answer: unknown[]) => finish(answer));
  });
}

type LaneMode = "handshake" | "session" | "anonymous";

/**
 * One client connection driven by the fuzzer. It reconnects whenever the server dropped it (a refused
 * `session` disconnects) and after a `session` sent without an ack (whose outcome it cannot know).
 */
export class SocketLane {
  private socket?: AnySocket;
  reconnects = 0;

  constructor(
    private readonly world: SocketFuzzWorld,
    private readonly legacy: boolean,
    private readonly mode: LaneMode,
  ) {}

  private async open(): Promise<AnySocket> {
    this.socket?.close();
    this.reconnects += 1;
    const token = this.world.tokens[this.reconnects % this.world.tokens.length] as string;
    const socket = this.legacy
      ? connectLegacy(this.world.url, { forceNew: true, reconnection: false, transports: ["websocket"] })
      : connectCurrent(this.world.url, {
          forceNew: true,
          reconnection: false,
          ...(this.mode === "handshake" ? { auth: { token } } : {}),
        });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("socket did not connect")), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("connect_error", (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    if (this.mode === "session" || (this.legacy && this.mode === "handshake")) {
      const answer = await emitWithTimeout(socket, "session", [token]);
      if (typeof answer === "string") throw new Error(`session on a new socket: ${answer}`);
    }
    this.socket = socket;
    return socket;
  }

  /** Sends one fuzz input on this lane's socket and judges the ack, if one was asked for. */
  async run(rng: Prng): Promise<SocketOutcome> {
    const socket = this.socket?.connected ? this.socket : await this.open();
    const event = pickEvent(rng);
    const label = socketEvents.some((known) => known.name === event) ? event : "unknown events";
    const args = emitArgs(rng, event, this.world);
    if (rng.chance(0.15)) {
      (socket as Socket).emit(event, ...args);
      if (event === "session") this.socket?.close();
      return { label };
    }
    const answer = await emitWithTimeout(socket, event, args);
    if (typeof answer === "string") return { label, problem: `${event}: ${answer}` };
    const verdict = judgeAck(answer);
    // A refused session is answered, then the server disconnects the socket: open a new one next time.
    if (event === "session" && !(answer[0] as { success?: unknown }).success) this.socket?.close();
    if (!verdict.problem && label === "unknown events") {
      const envelope = answer[0] as { error?: string };
      if (envelope.error !== "MethodNotFound")
        return { label, problem: `unknown event answered ${JSON.stringify(answer[0])}` };
    }
    return { label, ...verdict, problem: verdict.problem && `${event}: ${verdict.problem}` };
  }

  close(): void {
    this.socket?.close();
  }
}

/** Whether a token can go in the handshake's query: well-formed UTF-16, and short once percent-encoded. */
function inQuery(token: unknown): token is string {
  if (typeof token !== "string" || /[\ud800-\udfff]/.test(token)) return false;
  return encodeURIComponent(token).length < 4_000;
}

/** A connection attempt with a handshake token (junk or valid, in `auth` or the query): connect or refusal. */
export async function handshakeInput(rng: Prng, world: SocketFuzzWorld): Promise<SocketOutcome> {
  const label = "handshake";
  const token = rng.weighted<() => unknown>([
    [3, () => junkString(rng)],
    [2, () => randomUuid(rng)],
    [1, () => junkValue(rng)],
    [1, () => rng.pick(world.tokens)],
  ])();
  const query = rng.chance(0.3);
  const socket = connectCurrent(world.url, {
    forceNew: true,
    reconnection: false,
    // The query is URI-encoded by the client, which throws on lone surrogates; a URL over Node's header
    // limit fails the transport (HTTP 431) before Socket.IO, so long tokens go in the auth payload only.
    ...(query && inQuery(token) ? { query: { token } } : { auth: { token } as Record<string, unknown> }),
  });
  try {
    const result = await new Promise<{ connected: boolean; data?: unknown }>((resolve) => {
      const timer = setTimeout(() => resolve({ connected: false, data: "timeout" }), CONNECT_TIMEOUT_MS);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve({ connected: true });
      });
      socket.once("connect_error", (error: Error & { data?: unknown }) => {
        clearTimeout(timer);
        resolve({ connected: false, data: error.data ?? error.message });
      });
    });
    if (result.connected) return { label };
    const verdict = judgeAck([result.data]);
    return { label, ...verdict, problem: verdict.problem && `handshake refused: ${verdict.problem}` };
  } finally {
    socket.close();
  }
}
