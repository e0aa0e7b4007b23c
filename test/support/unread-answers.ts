/**
 * For tests of clients that stop reading (src/server/realtime/send-backlog.ts): what the test process (server
 * included, in-process) holds, a chat whose latest page is the 8 MiB maximum, and a raw Engine.IO websocket whose
 * reading can be paused under the ws library's feet.
 */
import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { type ChatUser, call, chatServerEnv, chatUser } from "./chats.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { chatBetween } from "./sockets.ts";

/** The engine's full garbage collection, with or without --expose-gc: what is left is held, not garbage. */
function collectGarbage(): void {
  let collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
}

/** Heap and external memory of this process, in MB, after a full garbage collection. */
export function heldMegabytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 1e6;
}

/** Sends `count` messages of ~1 MiB `cms` each (or ~`bytes`) from `sender` to `chat` over REST. */
export async function sendMebibyteMessages(
  server: TestServer,
  sender: ChatUser,
  chat: string,
  count: number,
  bytes = 1024 * 1024,
): Promise<void> {
  const cms = randomBytes(bytes - 1024).toString("base64");
  for (let index = 0; index < count; index += 1)
    await call(server, "/api/sendMessage/", {
      token: sender.token,
      chat,
      cid: sender.cid,
      text: "AAAA",
      cms,
    });
}

/** A signed-in raw websocket: every text frame after the CONNECT goes to `onText`; pings are answered. */
export interface RawSocket {
  client: WebSocket;
  /** Stops (and resumes) reading the TCP socket: the kernel's buffers fill, the rest stays with the server. */
  pauseReading(): void;
  resumeReading(): void;
}

export async function rawSocket(
  server: TestServer,
  user: ChatUser,
  onText: (text: string) => void,
): Promise<RawSocket> {
  const client = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  await new Promise<void>((resolve, reject) => {
    client.on("error", reject);
    client.on("message", (data) => {
      const text = data.toString();
      if (text === "2") client.send("3");
      else if (text.startsWith("0")) client.send(`40${JSON.stringify({ token: user.token })}`);
      else if (text.startsWith("40")) resolve();
      else onText(text);
    });
  });
  const tcp = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return { client, pauseReading: () => tcp.pause(), resumeReading: () => tcp.resume() };
}

/**
 * A server with a personal chat whose latest page is the 8 MiB maximum (eight ~1 MiB messages from `alice`).
 * `scaled`: the page maximum is `pageBytes` instead (eight messages of an eighth of it), the socket's unread
 * bound CERTCHAT_SOCKET_QUEUE_BYTES is `queueBytes` (the body limit, which it may not be under, `pageBytes`):
 * the same backlog in pages for a fraction of the bytes to produce and deliver.
 */
export async function serverWithFullPage(scaled?: {
  pageBytes: number;
  queueBytes: number;
}): Promise<{ server: TestServer; alice: ChatUser; chat: string }> {
  const env = scaled
    ? {
        ...chatServerEnv,
        CERTCHAT_MAX_PAGE_BYTES: String(scaled.pageBytes),
        CERTCHAT_MAX_BODY_BYTES: String(scaled.pageBytes),
        CERTCHAT_SOCKET_QUEUE_BYTES: String(scaled.queueBytes),
      }
    : chatServerEnv;
  const server = await startTestServer({ env });
  const alice = await chatUser(server, "Алисова Алиса Петровна");
  const chat = await chatBetween(server, alice, await chatUser(server, "Бобров Борис Иванович"));
  await sendMebibyteMessages(server, alice, chat, 8, scaled ? scaled.pageBytes / 8 : undefined);
  return { server, alice, chat };
}
