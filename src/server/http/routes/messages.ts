import type { FastifyInstance } from "fastify";
import {
  Message,
  MessagesData,
  MessagesRequest,
  SendMessageRequest,
} from "../../../protocol/schemas/messages.ts";
import type { MessageService } from "../../services/messages.ts";
import type { SessionService } from "../../services/sessions.ts";
import { apiRoute, authenticateRequest, tokenOf } from "../api-route.ts";

export interface MessageRouteDeps {
  sessions: SessionService;
  messages: MessageService;
  /** sendMessage's body limit: the only method whose body carries a file. */
  maxBodyBytes: number;
}

/** /api/sendMessage/ and /api/messages/ (spec "Отправка сообщения", "Получение сообщений"). */
export function messageRoutes(app: FastifyInstance, deps: MessageRouteDeps): void {
  const tags = ["messages"];
  apiRoute(
    app,
    {
      path: "/api/sendMessage/",
      summary: "Send a message (text and/or file) to a chat",
      tags,
      body: SendMessageRequest,
      data: Message,
      bodyLimit: deps.maxBodyBytes,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      // The service publishes after commit, in the next turn of the event loop: after this answer.
      return deps.messages.send(identity, body);
    },
  );
  apiRoute(
    app,
    {
      path: "/api/messages/",
      summary: "A page of a chat's history",
      tags,
      body: MessagesRequest,
      data: MessagesData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      return deps.messages.history(identity, body);
    },
  );
}
