/**
 * Check-digit validation of Russian identifiers found in qualified certificates. These functions
 * never throw: a bad value is reported, and the caller decides (the auth service only logs it).
 */

export interface IdCheck {
  valid: boolean;
  reason?: string;
}

const OK: IdCheck = { valid: true };

function digitsOf(value: unknown, lengths: readonly number[], label: string): number[] | IdCheck {
  if (typeof value !== "string") return { valid: false, reason: `${label} is not a string` };
  if (!/^\d+$/.test(value)) return { valid: false, reason: `${label} must contain digits only` };
  if (!lengths.includes(value.length)) {
    return { valid: false, reason: `${label} must have ${lengths.join(" or ")} digits, got ${value.length}` };
  }
  if (/^0+$/.test(value)) return { valid: false, reason: `${label} is all zeros` };
  return [...value].map(Number);
}

function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, weight, i) => sum + weight * (digits[i] ?? 0), 0);
}

const INN10_WEIGHTS = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const INN12_WEIGHTS_12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function innCheckDigit(digits: readonly number[], weights: readonly number[]): number {
  return (weightedSum(digits, weights) % 11) % 10;
}

/**
 * INN: 10 digits (legal entity) or 12 (person). Older qualified certificates carry a legal entity's
 * INN as "00" + 10 digits in the INN attribute; that form is checked as the 10-digit INN.
 */
export function validateInn(value: unknown): IdCheck {
  const digits = digitsOf(value, [10, 12], "INN");
  if (!Array.isArray(digits)) return digits;
  if (digits.length === 12 && digits[0] === 0 && digits[1] === 0)
    return validateInn((value as string).slice(2));
  if (digits.length === 10) {
    return innCheckDigit(digits, INN10_WEIGHTS) === digits[9]
      ? OK
      : { valid: false, reason: "INN check digit mismatch" };
  }
  if (
    innCheckDigit(digits, INN12_WEIGHTS_11) !== digits[10] ||
    innCheckDigit(digits, INN12_WEIGHTS_12) !== digits[11]
  ) {
    return { valid: false, reason: "INN check digits mismatch" };
  }
  return OK;
}

/** SNILS: 11 digits, also accepted in the printed form "123-456-789 01". */
export function validateSnils(value: unknown): IdCheck {
  const compact = typeof value === "string" ? value.replace(/[\s-]/g, "") : value;
  const digits = digitsOf(compact, [11], "SNILS");
  if (!Array.isArray(digits)) return digits;
  const sum = weightedSum(digits, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
  const expected = (sum % 101) % 100; // 100 and 101 both give 00
  const actual = (digits[9] ?? 0) * 10 + (digits[10] ?? 0);
  return expected === actual ? OK : { valid: false, reason: "SNILS check number mismatch" };
}

/** OGRN (13 digits, check = first 12 mod 11 mod 10) and OGRNIP (15 digits, first 14 mod 13 mod 10). */
function validateRegistrationNumber(value: unknown, length: 13 | 15, label: string): IdCheck {
  const digits = digitsOf(value, [length], label);
  if (!Array.isArray(digits)) return digits;
  const body = BigInt((value as string).slice(0, length - 1));
  const modulus = length === 13 ? 11n : 13n;
  const expected = Number((body % modulus) % 10n);
  return expected === digits[length - 1] ? OK : { valid: false, reason: `${label} check digit mismatch` };
}

export function validateOgrn(value: unknown): IdCheck {
  return validateRegistrationNumber(value, 13, "OGRN");
}

export function validateOgrnip(value: unknown): IdCheck {
  return validateRegistrationNumber(value, 15, "OGRNIP");
}
