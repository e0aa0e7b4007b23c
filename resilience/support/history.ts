import { HISTORY_PAGE_SIZE, type Message } from "../../src/protocol/schemas/messages.ts";
import { poster } from "../../test/support/server.ts";

/** The whole history of a chat through /api/messages/, paging forward from the first message. */
export async function chatHistory(url: string, token: string, chat: string): Promise<Message[]> {
  const post = poster(url);
  const all: Message[] = [];
  for (let anchor = 0; ; ) {
    const reply = await post("/api/messages/", { token, chat, id: anchor, rel: "next" });
    if (!reply.body.success) throw new Error(`messages failed: ${reply.body.error}`);
    const page = reply.body.data as Message[];
    all.push(...page);
    if (page.length < HISTORY_PAGE_SIZE) return all;
    anchor = page.at(-1)?.id ?? anchor;
  }
}
