import type { ChatUser } from "../../test/support/chats.ts";
import { startBareChild } from "./bare-child.ts";
import { startCertchatChild } from "./certchat-child.ts";
import { type BenchOptions, bySize } from "./options.ts";
import { connectMany, SioClient } from "./sio-client.ts";
import {
  bareMessage,
  benchUsers,
  certchatSocket,
  groupChat,
  payloadMessage,
  textWithSeq,
} from "./socket-fixtures.ts";

/** A socket that sends numbered messages into one chat, resolving on the ack. */
export interface Sender {
  socket: SioClient;
  send(seq: number): Promise<void>;
}

/**
 * A server relaying messages from senders to the subscribers of a chat, in a child process: certchat, or
 * the bare Socket.IO baseline. Chats are numbered 0…chats-1; deliveries arrive as `messages` events whose
 * `data` carries the sequence number (socket-fixtures.ts).
 */
export interface Relay {
  /** "certchat", "bare same object", "bare payload only": for tables. */
  name: string;
  pid: number;
  subscriber(chat: number, index: number): Promise<SioClient>;
  sender(chat: number, index: number): Promise<Sender>;
  /** Stops the child (profile written on exit) and removes whatever it left. */
  dispose(): Promise<void>;
}

/**
 * certchat with `chats` group chats. Sockets share a few users (each logs in as one of them; smoke runs use
 * two, as issuing a user takes a while); every user is a member of every chat.
 */
export async function certchatRelay(chats: number, options: BenchOptions): Promise<Relay> {
  const server = await startCertchatChild("sqlite");
  try {
    const users = await benchUsers(server.api, bySize(options, { full: 10, quick: 10, smoke: 2 }));
    const chatIds: string[] = [];
    for (let i = 0; i < chats; i++) chatIds.push(await groupChat(server.api, users, `bench ${i}`));
    const userAt = (index: number) => users[index % users.length] as ChatUser;
    const chatAt = (chat: number) => chatIds[chat] as string;
    return {
      name: "certchat",
      pid: server.pid,
      subscriber: (chat, index) => certchatSocket(server.url, userAt(index), [chatAt(chat)]),
      async sender(chat, index) {
        const user = userAt(index);
        const socket = await certchatSocket(server.url, user);
        const send = async (seq: number) => {
          await socket.request("sendMessage", { chat: chatAt(chat), cid: user.cid, text: textWithSeq(seq) });
        };
        return { socket, send };
      },
      dispose: () => server.dispose(),
    };
  } catch (error) {
    await server.dispose();
    throw error;
  }
}

/**
 * What a bare relay's senders send and its subscribers receive: `same-object`, a message shaped and sized as
 * certchat delivers one; `payload-only`, the ciphertext alone (what a minimal relay would send).
 */
export type BareShape = "same-object" | "payload-only";

const bareMessages: Record<BareShape, (room: string, seq: number) => unknown> = {
  "same-object": bareMessage,
  "payload-only": (_room, seq) => payloadMessage(seq),
};

/** The bare Socket.IO relay (bench/lib/bare-socketio-server.ts) relaying messages of `shape`. */
export async function bareRelay(shape: BareShape = "same-object"): Promise<Relay> {
  const server = await startBareChild();
  const room = (chat: number) => `chat:${chat}`;
  const message = bareMessages[shape];
  return {
    name: `bare ${shape.replace("-", " ")}`,
    pid: server.pid,
    subscriber: (chat) => SioClient.connect(server.url, { rooms: [room(chat)] }),
    async sender(chat) {
      const socket = await SioClient.connect(server.url, {});
      const send = async (seq: number) => {
        await socket.request("send", { room: room(chat), message: message(room(chat), seq) });
      };
      return { socket, send };
    },
    dispose: () => server.stop(),
  };
}

/** The sockets of a run: `perChat` subscribers and `sendersPerChat` senders in each of `chats` chats. */
export interface Layout {
  subscribers: SioClient[];
  /** senders[chat][i] */
  senders: Sender[][];
  close(): void;
}

/** Connects a layout, 50 handshakes at a time; subscriber i of chat c is socket c·perChat + i. */
export async function connectLayout(
  relay: Relay,
  chats: number,
  perChat: number,
  sendersPerChat: number,
): Promise<Layout> {
  const subscribers = await connectMany(chats * perChat, 50, (i) =>
    relay.subscriber(Math.floor(i / perChat), i % perChat),
  );
  const senders: Sender[][] = [];
  try {
    for (let chat = 0; chat < chats; chat++) {
      const ofChat: Sender[] = [];
      senders.push(ofChat);
      for (let i = 0; i < sendersPerChat; i++) ofChat.push(await relay.sender(chat, i));
    }
  } catch (error) {
    for (const socket of subscribers) socket.close();
    for (const sender of senders.flat()) sender.socket.close();
    throw error;
  }
  return {
    subscribers,
    senders,
    close() {
      for (const socket of subscribers) socket.close();
      for (const sender of senders.flat()) sender.socket.close();
    },
  };
}
