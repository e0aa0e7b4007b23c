/** Messages between the request reader (main thread) and the body-parsing worker. */

export type ToParser =
  | { kind: "chunk"; id: number; bytes: Uint8Array }
  | {
      kind: "end";
      id: number;
      form: boolean;
      /** True: answer the parsed body. False: answer only its `token` (the body is too big to hand back). */
      whole: boolean;
    }
  | { kind: "abort"; id: number };

export type FromParser =
  | { id: number; ok: true; body?: unknown; token?: string }
  | { id: number; ok: false; reason: "syntax" | "too-complex" | "poisoned" };
