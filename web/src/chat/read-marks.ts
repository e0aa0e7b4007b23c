/**
 * The last message read in each chat, per profile, kept in the page's localStorage (docs/WEB.md "What is stored
 * where"): the v1 API has no read state, so unread counts are this device's view. One small number per chat,
 * read synchronously while the chat list is built; nothing secret (message ids only).
 */
export class ReadMarks {
  constructor(
    private readonly pid: number,
    private readonly storage: Pick<Storage, "getItem" | "setItem"> = window.localStorage,
  ) {}

  /** The id of the last message read in `chatId`; 0 when nothing was read on this device. */
  lastRead(chatId: string): number {
    const stored = Number(this.read(this.key(chatId)));
    return Number.isSafeInteger(stored) && stored > 0 ? stored : 0;
  }

  /** Records that everything up to `messageId` was read; never moves the mark back. True when it moved. */
  markRead(chatId: string, messageId: number): boolean {
    if (messageId <= this.lastRead(chatId)) return false;
    try {
      this.storage.setItem(this.key(chatId), String(messageId));
    } catch {
      // Storage full or refused (private mode): the count is still right for this page's lifetime.
    }
    return true;
  }

  private read(key: string): string | null {
    try {
      return this.storage.getItem(key);
    } catch {
      return null;
    }
  }

  private key(chatId: string): string {
    return `certchat.read.${this.pid}.${chatId}`;
  }
}
