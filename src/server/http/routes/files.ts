import type { FileService } from "../../services/files.ts";
import type { ApiHandlers } from "../api-route.ts";
import type { DownloadHandler } from "../download-route.ts";
import { StreamedBase64 } from "../streamed-base64.ts";

/** /api/file/ (spec "Файлы"). */
export function fileHandlers(deps: { files: FileService }): ApiHandlers<"file"> {
  return {
    // Streamed: a whole file in memory per answer, held while a client reads slowly, had no bound.
    file: async ({ body, identity }) =>
      new StreamedBase64(await deps.files.open(identity, body.chat, body.file)),
  };
}

/** GET /api/file/:chat/:file: the same file as raw bytes. */
export function fileDownloadHandler(deps: { files: FileService }): DownloadHandler {
  return ({ params, identity }) => deps.files.open(identity, params.chat, params.file);
}
