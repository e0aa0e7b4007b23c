import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { Ajv, type ValidateFunction } from "ajv";
import { ApiError } from "../../protocol/errors.ts";
import { AJV_CUSTOM_OPTIONS, AJV_OPTIONS, holdsNonFiniteNumber } from "../validation.ts";

/**
 * Socket payloads are checked by the validator the HTTP API uses (Ajv with Fastify's default options and the
 * union types of src/server/http/app.ts), against the same schemas: a payload is coerced exactly as a REST body
 * is (a number sent as a string, a type list such as localId's kept as sent).
 */
const ajv = new Ajv(AJV_OPTIONS);

/** The same checks without coercion, for fields taken as sent. */
const exact = new Ajv(AJV_CUSTOM_OPTIONS);

/** Each schema's validator, compiled once, of a holder `{payload}`: Ajv coerces a value through its parent, so
 * a bare string or number payload is coerced too. */
const compiled = new WeakMap<TSchema, ValidateFunction>();

function validatorOf(schema: TSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile({ type: "object", properties: { payload: schema }, required: ["payload"] });
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * The payload checked against `schema` (InvalidSchema otherwise), coerced as a REST body is, except the object
 * payload's `asSent` fields: those must match their schema as they are.
 */
export function parsePayload<T extends TSchema>(
  schema: T,
  payload: unknown,
  what: string,
  asSent: readonly string[] = [],
): Static<T> {
  for (const field of asSent) {
    const value = typeof payload === "object" && payload !== null ? Reflect.get(payload, field) : undefined;
    const fieldSchema: TSchema | undefined = (schema as Partial<TObject>).properties?.[field];
    if (value !== undefined && fieldSchema && !exact.validate(fieldSchema, value))
      throw new ApiError("InvalidSchema", `${what}.${field} does not match its schema`);
  }
  const holder = { payload };
  if (!validatorOf(schema)(holder) || holdsNonFiniteNumber(holder.payload))
    throw new ApiError("InvalidSchema", `${what} does not match its schema`);
  return holder.payload as Static<T>;
}
