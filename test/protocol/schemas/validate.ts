import type { Static, TSchema } from "@sinclair/typebox";
import { Ajv } from "ajv";
import { parseForm } from "../../../src/server/http/body-shape.ts";
import { AJV_OPTIONS } from "../../../src/server/validation.ts";

/** The server's request validator: Fastify's Ajv options (coercion, extra fields removed) plus union types. */
const ajv = new Ajv(AJV_OPTIONS);

/** The request as the server's validator leaves it (coerced, extras dropped), or undefined when refused. */
export function validated<T extends TSchema>(schema: T, body: unknown): Static<T> | undefined {
  const copy = structuredClone(body);
  return ajv.validate(schema, copy) ? (copy as Static<T>) : undefined;
}

/** The same for a form body, read as the server reads one (fast-querystring: repeated keys become arrays). */
export function validatedForm<T extends TSchema>(schema: T, form: string): Static<T> | undefined {
  return validated(schema, parseForm(form));
}
