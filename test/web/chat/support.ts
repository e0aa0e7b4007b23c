import assert from "node:assert/strict";
import { CertchatApi } from "../../../src/client/api.ts";
import type { CatchUpFailure, ChatEventName } from "../../../src/client/socket.ts";
import type { Message, MessagesRequest } from "../../../src/protocol/schemas/messages.ts";
import type { ConnectionState, LiveHandlers } from "../../../web/src/chat/live.ts";

/** A membership event as a live connection passed it on: its name and payload. */
export type PassedEvent = [ChatEventName, unknown];

/**
 * A live connection's handlers recording what it delivers, what fails, its states and the membership events it
 * passes on; an ended session fails.
 */
export function recording() {
  const received: Message[] = [];
  const failures: CatchUpFailure[] = [];
  const states: ConnectionState[] = [];
  const events: PassedEvent[] = [];
  const handlers: LiveHandlers = {
    message: (message) => received.push(message),
    catchUpFailed: (failure) => failures.push(failure),
    state: (state) => states.push(state),
    sessionEnded: (code) => assert.fail(`session ended: ${code}`),
    chatAdded: (event) => events.push(["chatAdded", event]),
    chatRemoved: (event) => events.push(["chatRemoved", event]),
    chatChanged: (event) => events.push(["chatChanged", event]),
    chatWaitList: (event) => events.push(["chatWaitList", event]),
  };
  return { handlers, received, failures, states, events };
}

/**
 * The page's API with its socket at `socketServer` (an EventRelay, a proxy) and its REST calls at `restServer`
 * (the certchat server itself: the relay carries Socket.IO only). Counts the history pages asked for.
 */
export class SplitApi extends CertchatApi {
  pages = 0;
  private readonly rest: CertchatApi;

  constructor(socketServer: string, restServer: string, token: string | undefined) {
    super(socketServer, token);
    this.rest = new CertchatApi(restServer, token);
  }

  override messages(request: Omit<MessagesRequest, "token">): Promise<Message[]> {
    this.pages += 1;
    return this.rest.messages(request);
  }
}
