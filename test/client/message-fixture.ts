import type { Message } from "../../src/protocol/schemas/messages.ts";

/** A message of `chat` with id `id` and nothing else to it: for catch-up logic that looks at ids and chats only. */
export function message(chat: string, id: number): Message {
  return {
    id,
    chat,
    pid: 1,
    cid: 1,
    user: "",
    data: "",
    sign: null,
    cms: null,
    type: "txt",
    file: null,
    time: 0,
  };
}
