import { ApiError } from "../../protocol/errors.ts";
import { type BlobReader, type BlobStore, isBlobId } from "../blobs/blob-store.ts";
import { sizedStream } from "../blobs/sized-stream.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { findFileMessage } from "../storage/repositories/messages.ts";
import { requireMembership } from "./chat-access.ts";
import type { Identity } from "./sessions.ts";

/**
 * Downloads of encrypted files (spec "Файлы"): members only, and the file must belong to the chat named and
 * be visible to the member. An unknown file, a file of another chat and one sent before the member's history
 * begins answer the same DataError.
 */
export class FileService {
  constructor(
    private readonly db: Executor,
    private readonly blobs: BlobStore,
  ) {}

  /** The file as a stream with its size (`/api/file/` as base64, `GET /api/file/:chat/:file` as bytes). */
  async open(identity: Identity, chatId: string, fileId: string): Promise<BlobReader> {
    const sent = await this.authorize(identity, chatId, fileId);
    const reader = await this.blobs.open(fileId);
    if (!reader) throw new ApiError("DataError", `blob ${fileId} is missing`);
    // The size the message recorded when it was sent: what the answer announces, and what the stream must give.
    const size = sent.file_size ?? reader.size;
    return { size, stream: sizedStream(reader.stream, size) };
  }

  private async authorize(identity: Identity, chatId: string, fileId: string) {
    // Read every time: a removed member gets no file, a member added "from now" none sent before its add.
    const member = await requireMembership(this.db, chatId, identity.profile.id);
    const owner = isBlobId(fileId) ? await findFileMessage(this.db, fileId) : undefined;
    if (owner?.chat_id !== chatId || owner.id <= member.visible_after_message_id)
      throw new ApiError("DataError", "unknown file, file of another chat or sent before the member joined");
    return owner;
  }
}
