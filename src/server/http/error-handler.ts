import type { Socket } from "node:net";
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
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
    reply.code(404).send(failure("MethodNotFound"));
    return;
  }
  const download = request.raw.method === "GET" && url.startsWith("/api/file/");
  reply.code(download ? 400 : 200).send(failure("InvalidSchema"));
}

/** Statuses and codes for requests Node's HTTP parser refuses before Fastify sees them. */
function clientErrorAnswer(code: string | undefined): { status: number; reason: string; error: ErrorCode } {
  if (code === "HPE_HEADER_OVERFLOW")
    return { status: 431, reason: "Request Header Fields Too Large", error: "DataError" };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT")
    return { status: 408, reason: "Request Timeout", error: "NetworkError" };
  return { status: 400, reason: "Bad Request", error: "InvalidSchema" };
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
  const { status, reason, error: code } = clientErrorAnswer(error.code);
  // An answer to HEAD has no body (a client would read it as the start of a next answer).
  const head = isHeadRequest(error.rawPacket);
  const body = head ? "" : JSON.stringify(failure(code));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
