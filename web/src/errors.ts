/**
 * Every failure the page shows, as a Russian sentence: API error codes through the catalogue in i18n, a
 * failed fetch as "offline", our own refusals (`UserFacingError`) as they are. Nothing is left to the console.
 */
import { CertchatApiError } from "../../src/client/api.ts";
import { t } from "./i18n/index.ts";

/** A refusal whose message is already the sentence to show. */
export class UserFacingError extends Error {
  override name = "UserFacingError";
}

export function describeError(error: unknown): string {
  if (error instanceof UserFacingError) return error.message;
  if (error instanceof CertchatApiError)
    return t.apiErrors[error.code] ?? `${t.errors.unexpected} ${error.code}`;
  // fetch rejects with a TypeError when the server cannot be reached.
  if (error instanceof TypeError && /fetch|network/i.test(error.message)) return t.errors.offline;
  const message = error instanceof Error ? error.message : String(error);
  return `${t.errors.unexpected} ${message}`;
}
