import type { ErrorCode } from "../../protocol/errors.ts";

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
}

export interface FailureEnvelope {
  success: false;
  error: ErrorCode;
}

export function success<T>(data: T): SuccessEnvelope<T> {
  return { success: true, data };
}

export function failure(error: ErrorCode): FailureEnvelope {
  return { success: false, error };
}
