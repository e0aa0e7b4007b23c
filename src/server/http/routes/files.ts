import type { FileService } from "../../services/files.ts";
import type { ApiHandlers } from "../api-route.ts";
import type { DownloadHandler } from "../download-route.ts";

/** /api/file/ (spec "Файлы"). */
export function fileHandlers(deps: { files: FileService }): ApiHandlers<"file"> {
  return {
    file: ({ body, identity }) => deps.files.read(identity, body.chat, body.file),
  };
}

/** GET /api/file/:chat/:file: the same file as raw bytes. */
export function fileDownloadHandler(deps: { files: FileService }): DownloadHandler {
  return ({ params, identity }) => deps.files.open(identity, params.chat, params.file);
}
