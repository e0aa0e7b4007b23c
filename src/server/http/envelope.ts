import type { ErrorCode } from "../../protocol/errors.ts";
import type { FailureEnvelope, SuccessEnvelope } from "../../protocol/schemas/common.ts";

export type { FailureEnvelope, SuccessEnvelope };

export function success<T>(data: T): SuccessEnvelope<T> {
  return { success: true, data };
}

export function failure(error: ErrorCode): FailureEnvelope {
  return { success: false, error };
}
