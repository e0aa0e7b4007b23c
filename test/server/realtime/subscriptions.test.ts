import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { countChatLeaves } from "../../../src/server/realtime/chat-leaves.ts";
import type { CertchatSocket, RealtimeContext } from "../../../src/server/realtime/context.ts";
import type { EventCall } from "../../../src/server/realtime/dispatch.ts";
import { subscribe } from "../../../src/server/realtime/subscriptions.ts";

const CHAT = "0b9e2a34-7c1d-4f3e-9a8b-5d6c7e8f9a0b";
const SOCKET_ID = "socket-1";

/**
 * A socket that records the rooms it is in (join and leave are all subscribe uses), behind an adapter whose
 * leave orders are counted as the gateway counts them; `leaveOrder` is a removal's leave arriving.
 */
function recordingSocket(): { socket: CertchatSocket; rooms: Set<string>; leaveOrder: () => void } {
  const rooms = new Set<string>();
  const adapter = { del: (_id: string, room: string) => void rooms.delete(room) };
  const socket = {
    id: SOCKET_ID,
    conn: { protocol: 4 },
    join: async (room: string) => void rooms.add(room),
    leave: async (room: string) => adapter.del(SOCKET_ID, room),
  } as unknown as CertchatSocket;
  countChatLeaves(adapter, new Map([[SOCKET_ID, socket]]));
  return { socket, rooms, leaveOrder: () => adapter.del(SOCKET_ID, `chat:${CHAT}`) };
}

/** Membership answers in turn: the first says member (and runs `during` before answering), the next ones not. */
function removedAfterFirstCheck(during: () => void): { context: RealtimeContext; checks: () => number } {
  let checks = 0;
  const rights = {
    requireMember: async () => {
      checks += 1;
      if (checks === 1) during();
      else throw new ApiError("GetChatsError", "not a member");
    },
  };
  return { context: { rights } as unknown as RealtimeContext, checks: () => checks };
}

function subscribeCall(socket: CertchatSocket, context: RealtimeContext): EventCall<"subscribe"> {
  return {
    context,
    socket,
    identity: { profile: { id: 7 } },
    payload: CHAT,
  } as unknown as EventCall<"subscribe">;
}

test("a removal committed between the membership check and the join leaves the socket outside the chat's room", async () => {
  const { socket, rooms, leaveOrder } = recordingSocket();
  // The removal's leave order reaches the socket while its check is under way, before it is in the room.
  const { context } = removedAfterFirstCheck(leaveOrder);
  await assert.rejects(
    subscribe(subscribeCall(socket, context)),
    (error: unknown) => error instanceof ApiError && error.code === "GetChatsError",
  );
  assert.deepEqual([...rooms], []);
});

test("a subscribe that no leave order reached meanwhile reads the membership once", async () => {
  const { socket, rooms } = recordingSocket();
  const { context, checks } = removedAfterFirstCheck(() => {});
  assert.equal(await subscribe(subscribeCall(socket, context)), CHAT);
  assert.equal(checks(), 1);
  assert.deepEqual([...rooms], [`chat:${CHAT}`]);
});

test("a member stays in the chat's room after subscribe", async () => {
  const { socket, rooms } = recordingSocket();
  const rights = { requireMember: async () => undefined };
  assert.equal(await subscribe(subscribeCall(socket, { rights } as unknown as RealtimeContext)), CHAT);
  assert.deepEqual([...rooms], [`chat:${CHAT}`]);
});
