import type { IncomingMessage } from "node:http";
import proxyAddr from "@fastify/proxy-addr";
import type { TrustProxy } from "../config.ts";

/** proxy-addr's question: is the peer at `address`, `hop` steps from this server, a proxy we trust? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * CERTCHAT_TRUST_PROXY as a function, handed to Fastify (`trustProxy`) and used for Socket.IO, so both find
 * the same client address; undefined for "off" (Fastify then keeps its plain, header-blind request.ip). A hop
 * count is compiled here: Fastify's own numeric setting trusts nothing.
 */
export function proxyTrust(setting: TrustProxy): ProxyTrust | undefined {
  switch (setting.kind) {
    case "off":
      return undefined;
    case "all":
      return () => true;
    case "hops":
      return (_address, hop) => hop < setting.count;
    case "addresses":
      return proxyAddr.compile(setting.list);
  }
}

/** The client's address: the TCP peer, or the X-Forwarded-For entry that the trusted proxies vouch for. */
export function clientAddress(request: IncomingMessage, trust: ProxyTrust | undefined): string {
  return trust ? proxyAddr(request, trust) : (request.socket.remoteAddress ?? "");
}
