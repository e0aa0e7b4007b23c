/**
 * The certchat client SDK (`certchat/client`): typed API calls, the real-time socket, end-to-end crypto and
 * the high-level Messenger. `loadSigner` and `nodeSignatureVerifier` are Node-only (node:crypto); a browser
 * supplies its own `Signer` and `SignatureVerifier`.
 */
export * from "./api.ts";
export * from "./crypto/index.ts";
export * from "./messenger.ts";
export * from "./signing.ts";
export * from "./socket.ts";
export * from "./verification.ts";
