/**
 * Epoch key commitments on the server (docs/CRYPTO.md "Epoch key commitments"): the server cannot check one (it
 * never sees the key), so it checks the shape, stores it with the epoch its request begins, signed by that
 * request's session certificate, and serves it with every key row of the epoch. Clients verify it.
 */
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { ApiError } from "../../protocol/errors.ts";
import type { EpochCommitmentInput, EpochCommitmentView } from "../../protocol/schemas/members.ts";
import type { EpochCommitment } from "../storage/repositories/chat-key-epochs.ts";
import type { ChatKeyForCertificate } from "../storage/repositories/chat-keys.ts";

/** A commitment is a SHA-256 or Streebog-256 digest. */
const COMMITMENT_BYTES = 32;

/**
 * The request's commitment, signed by `certificateId` (the session certificate); undefined when none was sent.
 * InvalidSchema when the value is not 32 bytes of base64 or the signature is not base64.
 */
export function decodeCommitment(
  input: EpochCommitmentInput | undefined,
  certificateId: number,
): EpochCommitment | undefined {
  if (!input) return undefined;
  const value = decodeBase64(input.value);
  if (!value || value.length !== COMMITMENT_BYTES)
    throw new ApiError("InvalidSchema", `a commitment is ${COMMITMENT_BYTES} bytes of base64`);
  if (!decodeBase64(input.sign)?.length)
    throw new ApiError("InvalidSchema", "a commitment's sign is not base64");
  return { value, sign: input.sign, certificateId };
}

/** The epoch's commitment as served with one of its key rows; null for an epoch without one. */
export function commitmentView(row: ChatKeyForCertificate): EpochCommitmentView | null {
  if (
    !row.commitment ||
    !row.commitment_sign ||
    !row.commitment_der ||
    row.commitment_certificate_id === null
  )
    return null;
  return {
    value: encodeBase64(new Uint8Array(row.commitment)),
    sign: row.commitment_sign,
    cert: encodeBase64(new Uint8Array(row.commitment_der)),
    by: row.commitment_certificate_id,
  };
}
