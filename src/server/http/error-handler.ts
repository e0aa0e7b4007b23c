import type { FastifyError, FastifyInstance } from "fastify";
import { ApiError, type ErrorCode } from "../../protocol/errors.ts";
import { failure } from "./envelope.ts";

/** Fastify's own request errors that mean "the request is not what the API accepts". */
const schemaErrors = new Set([
  "FST_ERR_CTP_INVALID_MEDIA_TYPE",
  "FST_ERR_CTP_EMPTY_JSON_BODY",
  "FST_ERR_CTP_INVALID_JSON_BODY",
  "FST_ERR_CTP_INVALID_CONTENT_LENGTH",
  "FST_ERR_VALIDATION",
]);

function classify(error: FastifyError): { status: number; code: ErrorCode } {
  if (error instanceof ApiError) return { status: 200, code: error.code };
  if (error.validation || schemaErrors.has(error.code)) return { status: 200, code: "InvalidSchema" };
  // The body-size limit is a transport failure (DESIGN §2): 413, still with the envelope.
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return { status: 413, code: "DataError" };
  if (error instanceof SyntaxError || error.statusCode === 400) return { status: 200, code: "InvalidSchema" };
  return { status: 200, code: "CommonError" };
}

/**
 * Every failure leaves as the envelope with a code from the catalogue; the client never sees a stack trace
 * or an internal message. Unexpected errors are logged in full.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, code } = classify(error);
    if (code === "CommonError") request.log.error({ err: error }, "unexpected error");
    else request.log.debug({ code, detail: error.message }, "request refused");
    return reply.code(status).send(failure(code));
  });

  app.setNotFoundHandler((request, reply) => {
    const status = request.url.startsWith("/api/") ? 200 : 404;
    return reply.code(status).send(failure("MethodNotFound"));
  });
}
