import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError, type ErrorCode, rawStatusOf } from "../../protocol/errors.ts";
import { failure } from "./envelope.ts";

/** Fastify's own request errors that mean "the request is not what the API accepts". */
const schemaErrors = new Set([
  "FST_ERR_CTP_INVALID_MEDIA_TYPE",
  "FST_ERR_CTP_EMPTY_JSON_BODY",
  "FST_ERR_CTP_INVALID_JSON_BODY",
  "FST_ERR_CTP_INVALID_CONTENT_LENGTH",
  "FST_ERR_VALIDATION",
]);

/** The API error code of a failure. */
function codeOf(error: FastifyError): ErrorCode {
  if (error instanceof ApiError) return error.code;
  if (error.validation || schemaErrors.has(error.code)) return "InvalidSchema";
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return "DataError";
  if (error instanceof SyntaxError || error.statusCode === 400) return "InvalidSchema";
  return "CommonError";
}

/** Unexpected errors are logged in full; refusals (a code the client caused) at debug. */
function logFailure(request: FastifyRequest, error: FastifyError, code: ErrorCode): void {
  if (code === "CommonError") request.log.error({ err: error }, "unexpected error");
  else request.log.debug({ code, detail: error.message }, "request refused");
}

/**
 * Every failure leaves as the envelope with a code from the catalogue; the client never sees a stack trace
 * or an internal message. API methods answer HTTP 200, except a body over the size limit: a transport failure
 * (docs/API.md, "Conventions"), 413 with DataError.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = codeOf(error);
    logFailure(request, error, code);
    const status = error.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? 413 : 200;
    return reply.code(status).send(failure(code));
  });

  app.setNotFoundHandler((request, reply) => {
    const status = request.url.startsWith("/api/") ? 200 : rawStatusOf("MethodNotFound");
    return reply.code(status).send(failure("MethodNotFound"));
  });
}

/**
 * The error handler of a route that answers errors with the code's raw-path status instead of 200 (the raw
 * download, protocol/routes.ts): 401 for a refused session, 404 for an unknown chat or file, 500 for an
 * outage (which must not look like a file).
 */
export function answerWithRawStatus(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const code = codeOf(error);
  logFailure(request, error, code);
  return reply.code(rawStatusOf(code)).send(failure(code));
}

/**
 * Fastify's `frameworkErrors`: a URL that is not valid percent-encoding (`/api/x/%zz`) or whose path
 * parameter is over the router's length limit. Fastify's own answer echoes the URL in its error format; here
 * it is the envelope like any other malformed request: 200 InvalidSchema under /api/ (400 for the raw
 * download, which answers errors with 4xx), 404 MethodNotFound elsewhere.
 */
export function answerFrameworkError(
  _error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const url = request.raw.url ?? "";
  if (!url.startsWith("/api/")) {
    reply.code(rawStatusOf("MethodNotFound")).send(failure("MethodNotFound"));
    return;
  }
  const download = request.raw.method === "GET" && url.startsWith("/api/file/");
  reply.code(download ? rawStatusOf("InvalidSchema") : 200).send(failure("InvalidSchema"));
}

/** Statuses and codes for requests Node's HTTP parser refuses before Fastify sees them. */
function clientErrorAnswer(code: string | undefined): { status: number; error: ErrorCode } {
  // Headers over Node's size limit: the transport's own status, as for a body over the limit.
  if (code === "HPE_HEADER_OVERFLOW") return { status: 431, error: "DataError" };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT")
    return { status: rawStatusOf("NetworkError"), error: "NetworkError" };
  return { status: rawStatusOf("InvalidSchema"), error: "InvalidSchema" };
}

/** Node passes the bytes it refused as a Buffer (Fastify's type shows the JSON form of one), or nothing. */
function isHeadRequest(rawPacket: unknown): boolean {
  return Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString("latin1") === "HEAD ";
}

/**
 * Fastify's `clientErrorHandler`: a request that is not valid HTTP (bad request line, headers, framing) is
 * answered with the envelope (not Fastify's own error format) and the connection closed.
 */
export function answerClientError(error: ConnectionError, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const { status, error: code } = clientErrorAnswer(error.code);
  // An answer to HEAD has no body (a client would read it as the start of a next answer).
  const head = isHeadRequest(error.rawPacket);
  const body = head ? "" : JSON.stringify(failure(code));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
