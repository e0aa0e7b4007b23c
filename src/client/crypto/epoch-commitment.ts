/**
 * Epoch key commitments (docs/CRYPTO.md "Epoch key commitments"): whoever begins an epoch (createChat, a rotation)
 * publishes a hash of its key bound to the chat and epoch, signed by its certificate. A reader checks every key it
 * unwraps against it, so a row that unwraps to a key of the wrapper's own choosing is caught (and refused) instead
 * of only failing to decrypt later. The hash follows the key: Streebog-256 for a GOST key, SHA-256 for AES.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { streebog256 } from "../../crypto/gost/streebog.ts";
import { encodeBase64 } from "../../protocol/base64.ts";
import type { Signer } from "../signing.ts";
import type { SignatureVerifier } from "../verification.ts";
import type { ChatKey } from "./chat-key.ts";

/** Which epoch a commitment is for: the chat id (createChat: its creation binding, as key rows) and the keyId. */
export interface EpochBinding {
  readonly binding: string;
  readonly keyId: number;
}

/** A commitment as a request sends it: base64 of the 32-byte value and of the signature over it. */
export interface SignedCommitment {
  readonly value: string;
  readonly sign: string;
}

/** "matched": the key equals what the epoch's creator committed to; "absent": the epoch has no commitment. */
export type CommitmentVerdict = "matched" | "absent";

const encoder = new TextEncoder();
const KEY_DOMAIN = encoder.encode("certchat epoch key v1");
const SIGNATURE_DOMAIN = encoder.encode("certchat epoch commitment v1");
/** The chat key kind byte, as in the standard wrapped-key format (docs/CRYPTO.md). */
const KIND_BYTE = { "aes-256-gcm": 0x01, "gost28147-cfb": 0x02 } as const;

/** domain ‖ 0x00 ‖ UTF-8(binding) ‖ 0x00 ‖ u64be(keyId) ‖ tail: chat ids and bindings contain no NUL. */
function framed(domain: Uint8Array, epoch: EpochBinding, tail: Uint8Array): Uint8Array {
  const binding = encoder.encode(epoch.binding);
  if (binding.includes(0)) throw new Error("a chat id cannot contain NUL");
  if (!Number.isSafeInteger(epoch.keyId) || epoch.keyId < 1)
    throw new Error("keyId must be a positive integer");
  const out = new Uint8Array(domain.length + 1 + binding.length + 1 + 8 + tail.length);
  let at = 0;
  out.set(domain, at);
  at += domain.length + 1;
  out.set(binding, at);
  at += binding.length + 1;
  new DataView(out.buffer).setBigUint64(at, BigInt(epoch.keyId));
  out.set(tail, at + 8);
  return out;
}

/**
 * The commitment value: H("certchat epoch key v1" ‖ 0x00 ‖ binding ‖ 0x00 ‖ u64be(keyId) ‖ kind ‖ material), with
 * H = Streebog-256 for a GOST key (material = key ‖ IV) and SHA-256 for an AES key (material = key).
 */
export function commitToKey(epoch: EpochBinding, chatKey: ChatKey): Uint8Array {
  const material = chatKey.kind === "gost28147-cfb" ? [...chatKey.key, ...chatKey.iv] : [...chatKey.key];
  const input = framed(KEY_DOMAIN, epoch, Uint8Array.from([KIND_BYTE[chatKey.kind], ...material]));
  return chatKey.kind === "gost28147-cfb" ? streebog256(input) : sha256(input);
}

/** What the creator signs: "certchat epoch commitment v1" ‖ 0x00 ‖ binding ‖ 0x00 ‖ u64be(keyId) ‖ value. */
export function commitmentSignedBytes(epoch: EpochBinding, value: Uint8Array): Uint8Array {
  return framed(SIGNATURE_DOMAIN, epoch, value);
}

/** The commitment to `chatKey` for a request that begins the epoch, signed with the session's certificate. */
export async function signCommitment(
  signer: Pick<Signer, "sign">,
  epoch: EpochBinding,
  chatKey: ChatKey,
): Promise<SignedCommitment> {
  const value = commitToKey(epoch, chatKey);
  return {
    value: encodeBase64(value),
    sign: encodeBase64(await signer.sign(commitmentSignedBytes(epoch, value))),
  };
}

/**
 * The binding among `candidates` (the chat id; for epoch 1 also its creation binding) that the signature over
 * `value` verifies for, or undefined when none does (a forged commitment, or one of another chat or epoch).
 * Throws when the verifier cannot check the signature at all (an algorithm it lacks).
 */
export async function verifiedBinding(
  verifier: SignatureVerifier,
  signerCertificate: Uint8Array,
  candidates: readonly EpochBinding[],
  value: Uint8Array,
  signature: Uint8Array,
): Promise<EpochBinding | undefined> {
  for (const epoch of candidates) {
    if (await verifier.raw(signerCertificate, commitmentSignedBytes(epoch, value), signature)) return epoch;
  }
  return undefined;
}

/** Whether `chatKey` is the key `value` commits to for that epoch (compared without an early exit). */
export function matchesCommitment(epoch: EpochBinding, chatKey: ChatKey, value: Uint8Array): boolean {
  const computed = commitToKey(epoch, chatKey);
  if (computed.length !== value.length) return false;
  let difference = 0;
  for (let i = 0; i < computed.length; i += 1) difference |= (computed[i] ?? 0) ^ (value[i] ?? 0);
  return difference === 0;
}
