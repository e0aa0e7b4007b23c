/**
 * What the REST and socket validators share: Ajv's options (Fastify's defaults plus union types, so a socket
 * payload is coerced exactly as a REST body is) and the refusal of the infinite numbers that coercion lets in.
 */

/** Options given to Fastify's Ajv on top of its defaults (src/server/http/app.ts). */
export const AJV_CUSTOM_OPTIONS = { allowUnionTypes: true } as const;

/** Fastify's default Ajv options (fastify/lib/schemas) with AJV_CUSTOM_OPTIONS, for validators outside Fastify. */
export const AJV_OPTIONS = {
  coerceTypes: "array",
  useDefaults: true,
  removeAdditional: true,
  allErrors: false,
  ...AJV_CUSTOM_OPTIONS,
} as const;

/**
 * How deep the request schemas hold numbers (createChat `keys[i].cid`). Fields beyond that are extra properties
 * no handler reads, and may be nested thousands deep: they are not walked.
 */
const SCHEMA_DEPTH = 3;

/**
 * Ajv's type coercion turns a form's (or a JSON string's) "Infinity" or "1e999" into a number that its integer
 * and range checks then let through (they only look at finite numbers). No field of the API takes an infinite
 * number, and the database would refuse it in a query (PostgreSQL's bigint): callers answer InvalidSchema.
 */
export function holdsNonFiniteNumber(value: unknown, depth = SCHEMA_DEPTH): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null || depth === 0) return false;
  return Object.values(value).some((field) => holdsNonFiniteNumber(field, depth - 1));
}
