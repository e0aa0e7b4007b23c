import { parentPort } from "node:worker_threads";
import type { FromParser, ToParser } from "./body-parse-protocol.ts";
import { bodyToken, formWithinBudget, holdsPoisonedKey, jsonWithinBudget, parseForm } from "./body-shape.ts";

/**
 * Parses request bodies too big to parse on the event loop (see body-reader.ts). Bodies over the value and
 * depth budget are refused before JSON.parse; the answer is the parsed body, or only its token.
 */
export function runBodyParseWorker(): void {
  const port = parentPort;
  if (!port) throw new Error("the body-parse worker runs in a worker thread");
  const pending = new Map<number, Uint8Array[]>();
  port.on("message", (message: ToParser) => {
    if (message.kind === "chunk") {
      const chunks = pending.get(message.id) ?? [];
      chunks.push(message.bytes);
      pending.set(message.id, chunks);
      return;
    }
    const chunks = pending.get(message.id) ?? [];
    pending.delete(message.id);
    if (message.kind === "abort") return;
    port.postMessage(parse(message.id, Buffer.concat(chunks), message.form, message.whole));
  });
}

function parse(id: number, bytes: Buffer, form: boolean, whole: boolean): FromParser {
  if (!(form ? formWithinBudget(bytes) : jsonWithinBudget(bytes)))
    return { id, ok: false, reason: "too-complex" };
  let body: unknown;
  try {
    body = form ? parseForm(bytes.toString("utf8")) : JSON.parse(bytes.toString("utf8"));
  } catch {
    return { id, ok: false, reason: "syntax" };
  }
  if (holdsPoisonedKey(body)) return { id, ok: false, reason: "poisoned" };
  return whole ? { id, ok: true, body } : { id, ok: true, token: bodyToken(body) };
}
