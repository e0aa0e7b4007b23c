import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ProxyTrust } from "./client-address.ts";

/** What a proxy's request id may look like (HAProxy's unique-id, nginx's $request_id, UUIDs); nothing else. */
const SANE_REQUEST_ID = /^[\w.:+/=-]{1,128}$/;

/**
 * The id that every log line of a request carries and that is answered in `x-request-id`: the incoming
 * `x-request-id` when a trusted proxy (CERTCHAT_TRUST_PROXY) sent it and it looks sane, so one id follows a
 * request through the proxy's logs and ours; otherwise a new UUID. A client cannot choose its id directly.
 */
export function requestIdOf(request: IncomingMessage, trust: ProxyTrust | undefined): string {
  const incoming = request.headers["x-request-id"];
  const peer = request.socket?.remoteAddress;
  if (
    trust !== undefined &&
    typeof incoming === "string" &&
    peer !== undefined &&
    trust(peer, 0) &&
    SANE_REQUEST_ID.test(incoming)
  ) {
    return incoming;
  }
  return randomUUID();
}
