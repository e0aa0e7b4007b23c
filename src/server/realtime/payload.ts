import type { Static, TObject, TSchema } from "@sinclair/typebox";
import { Ajv, type ValidateFunction } from "ajv";
import { ApiError } from "../../protocol/errors.ts";

/**
 * Socket payloads are checked by the validator the HTTP API uses (Ajv with Fastify's default options and the
 * union types of src/server/http/app.ts), against the same schemas: a payload is coerced exactly as a REST body
 * is (a number sent as a string, a type list such as localId's kept as sent).
 */
const ajv = new Ajv({
  coerceTypes: "array",
  useDefaults: true,
  removeAdditional: true,
  allErrors: false,
  allowUnionTypes: true,
});

/** The same checks without coercion, for fields taken as sent. */
const exact = new Ajv({ allowUnionTypes: true });

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

/** How deep the payload schemas hold numbers (a `messages` page's `id`); deeper fields are not walked. */
const SCHEMA_DEPTH = 3;

/**
 * Ajv's coercion turns "Infinity" or "1e999" into a number its integer and range checks let through; no field
 * of the API takes one and the database would refuse it, so it is InvalidSchema, as the HTTP API answers
 * (src/server/http/api-route.ts does the same check for bodies).
 */
function holdsNonFiniteNumber(value: unknown, depth = SCHEMA_DEPTH): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null || depth === 0) return false;
  return Object.values(value).some((field) => holdsNonFiniteNumber(field, depth - 1));
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
