import { parsePhoneNumberFromString } from "libphonenumber-js/max";

/** The deployed client needs at least this many digits (docs/DECISIONS.md §11); shorter numbers are never registered. */
export const MIN_PHONE_DIGITS = 11;

/**
 * A phone number as stored and compared: E.164 digits without "+" ("+7 (123) 123-45-67" → "71231234567").
 * Numbers without a country code are read as Russian (8XXXXXXXXXX and XXXXXXXXXX forms). Returns undefined
 * for text that cannot be a phone number.
 */
export function normalizePhone(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0 || trimmed.length > 40 || /[^\d\s()+\-.]/.test(trimmed)) return undefined;
  const digits = trimmed.replace(/\D/g, "");
  let international: string;
  if (trimmed.startsWith("+")) international = `+${digits}`;
  else if (digits.length === 11 && digits.startsWith("8")) international = `+7${digits.slice(1)}`;
  else if (digits.length === 10) international = `+7${digits}`;
  else international = `+${digits}`;
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed?.isPossible()) return undefined;
  return parsed.number.slice(1);
}
