/**
 * The baseline server: a plain Socket.IO 4 server (websocket, default settings) run as a child process by
 * bare-child.ts, port in BENCH_PORT. A socket joins the rooms named in its handshake `auth.rooms`; a `send`
 * event `{room, message}` is acked with `{success: true, data: message}` and emitted as `messages` to the
 * room (the sender excluded): a relay with nothing of certchat's validation, storage or auth in it.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";

interface SendPayload {
  room: string;
  message: unknown;
}

const httpServer = createServer();
const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });
io.on("connection", (socket) => {
  const rooms: unknown = socket.handshake.auth.rooms;
  if (Array.isArray(rooms)) socket.join(rooms.filter((room): room is string => typeof room === "string"));
  socket.on("send", (payload: SendPayload, ack?: (answer: unknown) => void) => {
    ack?.({ success: true, data: payload.message });
    socket.to(payload.room).emit("messages", payload.message);
  });
});
process.on("SIGTERM", () => process.exit(0));
httpServer.listen(Number(process.env.BENCH_PORT), "127.0.0.1", () => {
  process.stdout.write("bare socket.io ready\n");
});
