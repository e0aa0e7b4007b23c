import type { ChatService } from "../../services/chats.ts";
import type { ContactService } from "../../services/contacts.ts";
import type { ApiHandlers } from "../api-route.ts";

/** /api/contacts/ and /api/createChat/ (spec "Контакты", "Новый чат"). */
export function contactHandlers(deps: {
  contacts: ContactService;
  chats: ChatService;
}): ApiHandlers<"contacts" | "createChat"> {
  return {
    contacts: ({ body, identity }) => deps.contacts.list(identity, body.phones),
    createChat: ({ body, identity }) => deps.chats.create(identity, body),
  };
}
