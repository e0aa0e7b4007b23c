/**
 * The certchat client SDK (`certchat/client`): typed API calls, the real-time socket, end-to-end crypto and
 * the high-level Messenger. Nothing here needs Node: keys and signatures go through src/pki (WebCrypto, noble
 * and our GOST module), so `loadSigner` and `signatureVerifier` work in browsers too.
 */
export * from "./api.ts";
export * from "./chat-keyring.ts";
export * from "./crypto/epoch-commitment.ts";
export * from "./crypto/index.ts";
export * from "./crypto/key-row-signature.ts";
export * from "./identity-pins.ts";
export * from "./key-fulfilment.ts";
export * from "./membership.ts";
export * from "./messenger.ts";
export * from "./pair-peer.ts";
export * from "./safety-code.ts";
export * from "./signing.ts";
export * from "./socket.ts";
export * from "./verification.ts";
