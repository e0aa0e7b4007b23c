import { type Static, Type } from "@sinclair/typebox";
import { ChatId } from "./chats.ts";
import { NO_NUL, Token } from "./common.ts";

export const FileId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: NO_NUL,
  description: "File id (UUID)",
});

export const FileRequest = Type.Object({ token: Token, chat: ChatId, file: FileId });
export type FileRequest = Static<typeof FileRequest>;

/** The path parameters of the raw download, `GET /api/file/:chat/:file`. */
export const FileParams = Type.Object({ chat: ChatId, file: FileId });
export type FileParams = Static<typeof FileParams>;

/** `data` is the encrypted file as base64 (docs/DECISIONS.md §2: the deployed clients read `data`, not `content`). */
export const FileData = Type.String({ description: "The encrypted file, base64" });
export type FileData = Static<typeof FileData>;
