/**
 * How the page shows a phone number: "+7 999 000-00-01" for Russian numbers, the international format of
 * libphonenumber (already in the bundle for the SDK's phone check) for others. The one place phones are
 * formatted; the API keeps them as bare E.164 digits.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { normalizePhone } from "../../../src/protocol/phone.ts";

export function formatPhone(phone: string): string {
  const digits = normalizePhone(phone.startsWith("+") ? phone : `+${phone}`);
  if (!digits) return phone;
  const russian = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  if (russian) return `+7 ${russian[1]} ${russian[2]}-${russian[3]}-${russian[4]}`;
  return parsePhoneNumberFromString(`+${digits}`)?.formatInternational() ?? `+${digits}`;
}
