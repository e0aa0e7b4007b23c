import type { MessageService } from "../../services/messages.ts";
import type { ApiHandlers } from "../api-route.ts";

export interface MessageRouteDeps {
  messages: MessageService;
}

/** /api/sendMessage/ and /api/messages/ (spec "Отправка сообщения", "Получение сообщений"). */
export function messageHandlers(deps: MessageRouteDeps): ApiHandlers<"sendMessage" | "messages"> {
  return {
    // The service publishes after commit, in the next turn of the event loop: after this answer.
    sendMessage: ({ body, identity }) => deps.messages.send(identity, body),
    messages: ({ body, identity }) => deps.messages.history(identity, body),
  };
}
