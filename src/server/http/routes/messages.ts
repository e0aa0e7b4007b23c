import type { MessagePublisher } from "../../services/message-publisher.ts";
import type { MessageService } from "../../services/messages.ts";
import type { ApiHandlers } from "../api-route.ts";

export interface MessageRouteDeps {
  messages: MessageService;
  publisher: MessagePublisher;
}

/** /api/sendMessage/ and /api/messages/ (spec "Отправка сообщения", "Получение сообщений"). */
export function messageHandlers(deps: MessageRouteDeps): ApiHandlers<"sendMessage" | "messages"> {
  return {
    sendMessage: async ({ body, identity }) => {
      const message = await deps.messages.send(identity, body);
      // validate → commit → answer → publish (DESIGN §3): the answer is written in this tick, the broadcast
      // in the next one.
      setImmediate(() => deps.publisher.publish(message));
      return message;
    },
    messages: ({ body, identity }) => deps.messages.history(identity, body),
  };
}
