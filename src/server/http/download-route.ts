import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { fileDownload } from "../../protocol/routes.ts";
import type { FileParams } from "../../protocol/schemas/files.ts";
import type { BlobReader } from "../blobs/blob-store.ts";
import type { Identity, SessionService } from "../services/sessions.ts";
import { authenticationPreHandler, identityOf } from "./api-route.ts";
import { answerWithRawStatus } from "./error-handler.ts";

/** The raw download's handler: the file's bytes and size, from a service. */
export type DownloadHandler = (call: { params: FileParams; identity: Identity }) => Promise<BlobReader>;

/**
 * Registers the raw download from its row of the table (protocol/routes.ts): the session from the bearer
 * token, the bytes streamed with their length, errors as the envelope with the code's raw-path status.
 */
export function registerFileDownload(
  app: FastifyInstance,
  sessions: SessionService,
  handler: DownloadHandler,
): void {
  app.get(fileDownload.path, {
    schema: {
      summary: fileDownload.summary,
      tags: [fileDownload.tag],
      security: [{ bearer: [] }],
      params: fileDownload.params,
    },
    preHandler: authenticationPreHandler(sessions, fileDownload.auth === "sessionWithPhone"),
    errorHandler: answerWithRawStatus,
    handler: async (request, reply) => {
      const blob = await handler({ params: request.params as FileParams, identity: identityOf(request) });
      // Fastify's HEAD route drains the stream it is given: a HEAD made the node read the whole file (S3 too) for
      // an answer without a body. The headers alone, over an empty stream (a stream keeps the announced length).
      if (request.method === "HEAD") blob.stream.destroy();
      return reply
        .header("content-type", fileDownload.contentType)
        .header("content-length", blob.size)
        .send(request.method === "HEAD" ? Readable.from([]) : blob.stream);
    },
  });
}
