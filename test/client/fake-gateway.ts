import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";
import type { Message } from "../../src/protocol/schemas/messages.ts";

/**
 * A stand-in for the Socket.IO gateway (DESIGN §3), in memory, for testing the SDK's socket client until the
 * real gateway is merged: handshake `auth.token`, `subscribe` / `messages` / `sendMessage` with ack
 * envelopes, `localId` retries answered with the stored message, live `messages` to the other subscribers.
 */
export class FakeGateway {
  readonly messages: Message[] = [];
  /** Drop the ack of the next N `sendMessage` events (the message is still stored): a lost ack. */
  dropAcks = 0;
  private readonly io: Server;
  private readonly http = createServer();
  private nextId = 1;

  constructor(private readonly token: string) {
    this.io = new Server(this.http);
    this.io.use((socket, next) => {
      next(socket.handshake.auth.token === this.token ? undefined : new Error("NeedAuthentication"));
    });
    this.io.on("connection", (socket) => this.serve(socket));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** Stores a message as if another client sent it, and publishes it to the chat's subscribers. */
  publish(chat: string, text: string): Message {
    const message = this.store(chat, text);
    this.io.to(chat).emit("messages", message);
    return message;
  }

  /** Cuts every connection at the transport: the clients see a network failure and reconnect. */
  dropConnections(): void {
    for (const socket of this.io.sockets.sockets.values()) socket.conn.close();
  }

  async stop(): Promise<void> {
    this.io.disconnectSockets(true);
    await this.io.close();
  }

  private serve(socket: Socket): void {
    const sent = new Map<string, Message>();
    socket.on("subscribe", (chat: string, ack?: (envelope: object) => void) => {
      void socket.join(chat);
      ack?.({ success: true });
    });
    socket.on(
      "messages",
      (request: { chat: string; id?: number; rel?: string }, ack: (envelope: object) => void) => {
        const inChat = this.messages.filter((message) => message.chat === request.chat);
        const page =
          request.rel === "next"
            ? inChat.filter((message) => message.id > (request.id ?? 0)).slice(0, 50)
            : inChat.slice(-50);
        ack({ success: true, data: page });
      },
    );
    socket.on(
      "sendMessage",
      (payload: { chat: string; text: string; localId: string }, ack: (envelope: object) => void) => {
        const key = `${payload.chat}/${payload.localId}`;
        let message = sent.get(key);
        if (!message) {
          message = this.store(payload.chat, payload.text);
          sent.set(key, message);
          socket.to(payload.chat).emit("messages", message);
        }
        if (this.dropAcks > 0) {
          this.dropAcks -= 1;
          return;
        }
        ack({ success: true, data: { ...message, localId: payload.localId } });
      },
    );
  }

  private store(chat: string, text: string): Message {
    const message: Message = {
      id: this.nextId++,
      chat,
      pid: 1,
      cid: 1,
      user: "Иванов Иван Иванович",
      data: text,
      sign: null,
      cms: null,
      type: "txt",
      file: null,
      time: 1_790_000_000,
    };
    this.messages.push(message);
    return message;
  }
}
