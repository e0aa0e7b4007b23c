import type { FastifyInstance } from "fastify";
import {
  Contact,
  ContactsData,
  ContactsRequest,
  CreateChatRequest,
} from "../../../protocol/schemas/chats.ts";
import type { ChatService } from "../../services/chats.ts";
import type { ContactService } from "../../services/contacts.ts";
import type { SessionService } from "../../services/sessions.ts";
import { apiRoute, authenticateRequest, tokenOf } from "../api-route.ts";

export interface ContactRouteDeps {
  sessions: SessionService;
  contacts: ContactService;
  chats: ChatService;
}

/** /api/contacts/ and /api/createChat/ (spec "Контакты", "Новый чат"). */
export function contactRoutes(app: FastifyInstance, deps: ContactRouteDeps): void {
  const tags = ["chats"];
  apiRoute(
    app,
    {
      path: "/api/contacts/",
      summary: "The caller's chats, or registered profiles found by phone",
      tags,
      body: ContactsRequest,
      data: ContactsData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      return deps.contacts.list(identity, body.phones);
    },
  );
  apiRoute(
    app,
    {
      path: "/api/createChat/",
      summary: "Create a personal chat, group or channel with its wrapped keys",
      tags,
      body: CreateChatRequest,
      data: Contact,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      return deps.chats.create(identity, body);
    },
  );
}
