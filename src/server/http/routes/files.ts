import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ApiError, type ErrorCode } from "../../../protocol/errors.ts";
import { ChatId } from "../../../protocol/schemas/chats.ts";
import { FileData, FileId, FileRequest } from "../../../protocol/schemas/files.ts";
import type { FileService } from "../../services/files.ts";
import type { SessionService } from "../../services/sessions.ts";
import { apiRoute, authenticateRequest, tokenOf } from "../api-route.ts";
import { failure } from "../envelope.ts";

export interface FileRouteDeps {
  sessions: SessionService;
  files: FileService;
}

/**
 * The raw download is not an API method of the spec: it answers errors with the envelope and a 4xx status
 * (so `curl --fail -o` never saves an error as the file). No deployed client uses it.
 */
function downloadStatus(code: ErrorCode): number {
  if (code === "GetChatsError" || code === "DataError") return 404;
  if (code === "InvalidSchema") return 400;
  return 401;
}

/** /api/file/ (spec "Файлы") and GET /api/file/:chat/:file (raw bytes). */
export function fileRoutes(app: FastifyInstance, deps: FileRouteDeps): void {
  apiRoute(
    app,
    {
      path: "/api/file/",
      summary: "An encrypted file of a chat, base64 in data",
      tags: ["files"],
      body: FileRequest,
      data: FileData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      return deps.files.read(identity, body.chat, body.file);
    },
  );

  app.get(
    "/api/file/:chat/:file",
    {
      schema: {
        summary: "An encrypted file of a chat as raw bytes (token in Authorization: Bearer)",
        tags: ["files"],
        params: Type.Object({ chat: ChatId, file: FileId }),
      },
    },
    async (request, reply) => {
      const { chat, file } = request.params as { chat: string; file: string };
      try {
        const identity = await authenticateRequest(deps.sessions, request, tokenOf({}, request), {
          requirePhone: true,
        });
        const blob = await deps.files.open(identity, chat, file);
        return reply
          .header("content-type", "application/octet-stream")
          .header("content-length", blob.size)
          .send(blob.stream);
      } catch (error) {
        if (error instanceof ApiError)
          return reply.code(downloadStatus(error.code)).send(failure(error.code));
        // The API's error handler answers 200; here an outage (blob store down) must not look like a file.
        request.log.error({ err: error }, "file download failed");
        return reply.code(500).send(failure("CommonError"));
      }
    },
  );
}
