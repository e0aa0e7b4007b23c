/** Messages between the request reader (main thread) and the body-parsing worker. */

/** A body's bytes as they arrive, or the end of a body not to be parsed: notices, not answered. */
export type BodyNotice = { kind: "chunk"; id: number; bytes: Uint8Array } | { kind: "abort"; id: number };

/** Parse body `id` now that all of it arrived. */
export interface ParseRequest {
  id: number;
  form: boolean;
  /** True: answer the parsed body. False: answer only its `token` (the body is too big to hand back). */
  whole: boolean;
}

export type ParseVerdict =
  | { ok: true; body?: unknown; token?: string }
  | { ok: false; reason: "syntax" | "too-complex" | "poisoned" };
