import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ApiError } from "../../protocol/errors.ts";

/**
 * A socket payload arrives as unknown: it is converted where a JSON client may have sent a number as a
 * string (as the HTTP validator coerces) and checked against the same TypeBox schema as the REST body.
 */
export function parsePayload<T extends TSchema>(schema: T, payload: unknown, what: string): Static<T> {
  const converted = Value.Convert(schema, payload);
  if (!Value.Check(schema, converted))
    throw new ApiError("InvalidSchema", `${what} does not match its schema`);
  return converted as Static<T>;
}
