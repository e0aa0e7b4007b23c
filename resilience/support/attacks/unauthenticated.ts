import assert from "node:assert/strict";
import {
  adversarialForm,
  adversarialJson,
  eventPacket,
  postRaw,
  rawSocketPacket,
  type Shape,
  shapes,
  slowBody,
} from "../adversarial.ts";
import { checkEnvelopeText } from "../answers.ts";
import { apiMethods } from "../endpoints.ts";
import type { AttackTarget } from "./target.ts";

/** The sizes the scenario's server runs with (see attack.test.ts): bodies just under and over the limits. */
export const ATTACK_LIMITS = {
  requestBytes: 1024 * 1024,
  bodyBytes: 32 * 1024 * 1024,
  bodyIdleMs: 2_000,
};

/** The answers a client without a session may get for a hostile body: refusals, never a fault. */
const REFUSALS = new Set(["InvalidSchema", "NeedAuthentication", "DataError", "InvalidCertificate"]);

/** Statuses of those refusals: 200, or 413 for a body over its limit (docs/DECISIONS.md §2). */
function assertRefused(what: string, status: number, text: string): void {
  if (status === 0) return; // the server dropped the connection: a refusal too
  assert.ok(status === 200 || status === 413, `${what}: HTTP ${status}`);
  const check = checkEnvelopeText(text);
  assert.ok(check.ok && !check.success, `${what}: not a refusal envelope: ${text.slice(0, 200)}`);
  assert.ok(REFUSALS.has(check.error), `${what}: answered ${text.slice(0, 200)}`);
}

/**
 * Clients without a session: every API method gets each hostile shape just under its body limit and once over
 * it (sendMessage: a quarter of its 32 MiB, still parsed only in the worker), the form methods hostile forms,
 * Socket.IO gets hostile events from sockets that never authenticate, and slow bodies trickle until the
 * server drops them.
 */
export async function unauthenticatedAttack(target: AttackTarget): Promise<Record<string, string | number>> {
  let requests = 0;
  let events = 0;
  const post = async (path: string, body: Buffer, contentType?: string) => {
    const answer = await postRaw(target.port, path, body, contentType);
    requests++;
    assertRefused(`${path} (${body.length} bytes)`, answer.status, answer.text);
  };
  const http = async () => {
    for (const method of apiMethods) {
      const big =
        method.path === "/api/sendMessage/" ? ATTACK_LIMITS.bodyBytes / 4 : ATTACK_LIMITS.requestBytes - 4096;
      for (const shape of shapes) await post(method.path, adversarialJson(shape, big));
      await post(method.path, adversarialJson("string", ATTACK_LIMITS.requestBytes + 4096));
      await post(
        method.path,
        adversarialForm(ATTACK_LIMITS.requestBytes - 4096),
        "application/x-www-form-urlencoded",
      );
    }
  };
  const sockets = async () => {
    const sizes: [Shape, number][] = shapes.flatMap((shape): [Shape, number][] => [
      [shape, 64 * 1024],
      [shape, 4 * 1024 * 1024],
    ]);
    for (const [shape, bytes] of sizes) {
      for (const event of ["sendMessage", "session", "messages"]) {
        const outcome = await rawSocketPacket(target.url, eventPacket(event, adversarialJson(shape, bytes)));
        events++;
        assert.equal(
          outcome,
          "closed",
          `an unauthenticated ${event} of ${bytes} bytes (${shape}) was not refused`,
        );
      }
    }
  };
  const slow = async () => {
    const outcomes = await Promise.all(
      ["/api/auth/", "/api/profile/", "/api/sendMessage/"].map((path) =>
        slowBody(target.port, path, {
          intervalMs: ATTACK_LIMITS.bodyIdleMs * 2,
          declaredBytes: 100_000,
          limitMs: ATTACK_LIMITS.bodyIdleMs * 6,
        }),
      ),
    );
    for (const outcome of outcomes) assert.ok(outcome.closedByServer, "a slow body kept its connection");
    return outcomes.length;
  };
  const [, , slowBodies] = await Promise.all([http(), sockets(), slow()]);
  return { flood_requests: requests, flood_events: events, slow_bodies_dropped: slowBodies };
}
