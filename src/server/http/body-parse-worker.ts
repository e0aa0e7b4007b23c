import { serveParent } from "../workers/serve-parent.ts";
import type { BodyNotice, ParseRequest, ParseVerdict } from "./body-parse-protocol.ts";
import { bodyToken, formWithinBudget, holdsPoisonedKey, jsonWithinBudget, parseForm } from "./body-shape.ts";

/**
 * Parses request bodies too big to parse on the event loop (see body-reader.ts). Bodies over the value and
 * depth budget are refused before JSON.parse; the answer is the parsed body, or only its token.
 */
export function runBodyParseWorker(): void {
  const pending = new Map<number, Uint8Array[]>();
  void serveParent<ParseRequest, ParseVerdict, BodyNotice>(() => ({
    notice: (notice) => {
      if (notice.kind === "abort") {
        pending.delete(notice.id);
        return;
      }
      const chunks = pending.get(notice.id) ?? [];
      chunks.push(notice.bytes);
      pending.set(notice.id, chunks);
    },
    answer: ({ id, form, whole }) => {
      const chunks = pending.get(id) ?? [];
      pending.delete(id);
      return parse(Buffer.concat(chunks), form, whole);
    },
  }));
}

function parse(bytes: Buffer, form: boolean, whole: boolean): ParseVerdict {
  if (!(form ? formWithinBudget(bytes) : jsonWithinBudget(bytes)))
    return { ok: false, reason: "too-complex" };
  let body: unknown;
  try {
    body = form ? parseForm(bytes.toString("utf8")) : JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, reason: "syntax" };
  }
  if (holdsPoisonedKey(body)) return { ok: false, reason: "poisoned" };
  return whole ? { ok: true, body } : { ok: true, token: bodyToken(body) };
}
