import type { Logger } from "pino";
import { ApiError } from "../../protocol/errors.ts";
import { type FailureEnvelope, failure, type SuccessEnvelope, success } from "../http/envelope.ts";

export type Ack = (envelope: SuccessEnvelope<unknown> | FailureEnvelope) => void;

/**
 * Socket.IO passes the acknowledgement callback as the last argument, when the client asked for one. An event
 * emitted with nothing but an ack has no payload (the callback is not the payload).
 */
export function splitAck(args: unknown[]): { payload: unknown; ack?: Ack } {
  const last = args.at(-1);
  if (typeof last !== "function") return { payload: args[0] };
  return { payload: args.length > 1 ? args[0] : undefined, ack: last as Ack };
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; envelope: FailureEnvelope };

/**
 * Runs the work of one socket event and turns any failure into the API's error envelope, as the HTTP error
 * handler does: an ApiError keeps its code, anything else is logged and answered CommonError. The logger is
 * read only when there is something to log (a socket's logger is made on first use: socket-logger.ts).
 */
export async function attempt<T>(
  log: { readonly logger: Logger },
  event: string,
  work: () => Promise<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof ApiError) {
      log.logger.debug({ event, code: error.code, detail: error.message }, "socket event refused");
      return { ok: false, envelope: failure(error.code) };
    }
    log.logger.error({ err: error, event }, "unexpected error in a socket event");
    return { ok: false, envelope: failure("CommonError") };
  }
}

/** The envelope of an outcome, sent to the client's ack when it gave one. */
export function reply<T>(ack: Ack | undefined, outcome: Outcome<T>): void {
  ack?.(outcome.ok ? success(outcome.value) : outcome.envelope);
}
