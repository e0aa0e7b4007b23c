import type { Readable } from "node:stream";
import { errorCodes, type FastifyInstance, type FastifyRequest } from "fastify";
import { ApiError } from "../../protocol/errors.ts";
import type { LimitKey } from "../services/limit-key.ts";
import type { BodyParsePool, ParseJob } from "./body-parse-pool.ts";
import { parseForm } from "./body-shape.ts";

/**
 * Bodies up to this size are parsed on the event loop: the worst of them (deep nesting, thousands of keys)
 * costs a few milliseconds. Larger ones go to the body-parse worker.
 */
export const INLINE_PARSE_BYTES = 64 * 1024;

/**
 * The worker hands back parsed bodies up to this size (within its value budget, copying them back is cheap).
 * Larger bodies (only sendMessage's limit allows them) are handed back as their token alone; the body is
 * parsed on the event loop only once that token's session is known to be valid.
 */
export const WORKER_ANSWER_BYTES = 1024 * 1024;

export interface BodyReaderOptions {
  pool: BodyParsePool;
  /** The session check a body over WORKER_ANSWER_BYTES must pass first; throws the refusal (ApiError). */
  authenticate(token: string | undefined): Promise<void>;
  /** The token of `Authorization: Bearer`, used when the body has none. */
  headerToken(request: FastifyRequest): string | undefined;
  /**
   * Bytes of bodies held while they arrive, all requests together. A body is read before its token can be
   * checked, so without this many slow anonymous uploads near the body limit could fill the memory.
   */
  inFlightBudgetBytes: number;
  /** The largest body any route takes: one client address may always hold one such body in flight. */
  largestBodyBytes: number;
  /** What a client address's share is counted under: the rate limits' key (an IPv6 address's prefix). */
  limitKey: LimitKey;
}

/**
 * What the bodies being received hold now, against the node's budget, and per client address against its
 * share: a quarter of the budget, or the largest body if that is more. Without the share one client's few
 * slow anonymous uploads near the body limit (about 1 MB/s in all) filled the budget, and every POST with a
 * body on the node was refused until they ended. Keyed by request.ip's limit key, as the rate limits are: behind
 * a proxy that is the address the trusted proxy vouches for (CERTCHAT_TRUST_PROXY), without one the proxy's
 * own; an IPv6 address counts as its prefix (CERTCHAT_IPV6_PREFIX), or one /64 would hold the whole budget.
 */
class InFlight {
  private used = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly share: number;

  constructor(
    private readonly budget: number,
    largestBody: number,
  ) {
    this.share = Math.min(budget, Math.max(largestBody, Math.floor(budget / 4)));
  }

  /** Counts `bytes` more of a body from `address`; false (nothing counted) when they do not fit. */
  take(address: string, bytes: number): boolean {
    const mine = this.byAddress.get(address) ?? 0;
    if (this.used + bytes > this.budget || mine + bytes > this.share) return false;
    this.used += bytes;
    this.byAddress.set(address, mine + bytes);
    return true;
  }

  /** Gives back what a body from `address` held. */
  give(address: string, bytes: number): void {
    if (bytes === 0) return;
    this.used -= bytes;
    const left = (this.byAddress.get(address) ?? 0) - bytes;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }
}

/**
 * JSON and form bodies (docs/DECISIONS.md §2) read under the route's body limit. Nothing a client without a session
 * sends can hold the event loop: small bodies are parsed in place, bigger ones in a worker that refuses any
 * body over the value/depth budget (InvalidSchema) before parsing it, and the biggest are only parsed once
 * their session is valid. An empty JSON body is `{}` (the token may be in a header).
 */
export function installBodyReader(app: FastifyInstance, options: BodyReaderOptions): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  const inlineJson = (request: FastifyRequest, text: string) =>
    new Promise<unknown>((resolve, reject) => {
      if (text.trim() === "") return resolve({});
      parseJson(request, text, (error, body) => (error ? reject(error) : resolve(body)));
    });

  const inFlight = new InFlight(options.inFlightBudgetBytes, options.largestBodyBytes);
  const read = async (request: FastifyRequest, payload: Readable, form: boolean): Promise<unknown> => {
    const received = await receive(request, payload, options.pool, inFlight, options.limitKey);
    if (!received.job) {
      const text = Buffer.concat(received.chunks, received.size).toString("utf8");
      return form ? parseForm(text) : inlineJson(request, text);
    }
    const whole = received.size <= WORKER_ANSWER_BYTES;
    const verdict = await received.job.end({ form, whole });
    if (!verdict.ok) throw new ApiError("InvalidSchema", `body refused by the parser: ${verdict.reason}`);
    if (whole) return verdict.body;
    await options.authenticate(verdict.token || options.headerToken(request));
    const text = Buffer.concat(received.chunks, received.size).toString("utf8");
    return form ? parseForm(text) : inlineJson(request, text);
  };
  const json = (request: FastifyRequest, payload: Readable) => read(request, payload, false);
  const form = (request: FastifyRequest, payload: Readable) => read(request, payload, true);
  app.addContentTypeParser("application/json", json);
  app.addContentTypeParser("application/x-www-form-urlencoded", form);
}

interface Received {
  chunks: Buffer[];
  size: number;
  /** Set once the body grew past INLINE_PARSE_BYTES: every chunk has been copied to the worker. */
  job?: ParseJob;
}

/**
 * The body's chunks under the route's limit (413 DataError beyond it), as Fastify's own reader does, and
 * under the node's in-flight budget and the client address's share of it (413 DataError too: the client may
 * retry when the server, or it, is less busy).
 */
function receive(
  request: FastifyRequest,
  payload: Readable,
  pool: BodyParsePool,
  inFlight: InFlight,
  limitKey: LimitKey,
): Promise<Received> {
  const limit = request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY;
  const declared = Number(request.headers["content-length"]);
  const address = limitKey(request.ip);
  if (declared > limit) return Promise.reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
  const received: Received = { chunks: [], size: 0 };
  return new Promise((resolve, reject) => {
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      inFlight.give(address, received.size);
      payload.removeListener("data", onData);
      payload.removeListener("end", onEnd);
      payload.removeListener("error", onEnd);
      payload.removeListener("close", onClose);
    };
    const fail = (error: Error) => {
      if (stopped) return;
      stop();
      received.job?.abort();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (received.size + chunk.length > limit || !inFlight.take(address, chunk.length))
        return fail(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      received.size += chunk.length;
      received.chunks.push(chunk);
      if (received.job) received.job.write(chunk);
      else if (received.size > INLINE_PARSE_BYTES) {
        received.job = pool.start();
        for (const earlier of received.chunks) received.job.write(earlier);
      }
    };
    const onEnd = (error?: Error & { statusCode?: number }) => {
      // The client went away mid-body (or was cut by the idle timeout): its fault, as Fastify's reader says.
      if (error) return fail(Object.assign(error, { statusCode: error.statusCode ?? 400 }));
      if (!Number.isNaN(declared) && received.size !== declared)
        return fail(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      stop();
      resolve(received);
    };
    // A connection closed mid-body without an error still gives its bytes back to the budget.
    const onClose = () =>
      onEnd(Object.assign(new Error("request closed before its body ended"), { statusCode: 400 }));
    payload.on("data", onData);
    payload.on("end", onEnd);
    payload.on("error", onEnd);
    payload.on("close", onClose);
    payload.resume();
  });
}
