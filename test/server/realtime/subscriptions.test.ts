import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import type { CertchatSocket, RealtimeContext } from "../../../src/server/realtime/context.ts";
import type { EventCall } from "../../../src/server/realtime/dispatch.ts";
import { subscribe } from "../../../src/server/realtime/subscriptions.ts";

const CHAT = "0b9e2a34-7c1d-4f3e-9a8b-5d6c7e8f9a0b";

/** A socket that records the rooms it is in (join and leave are all subscribe uses). */
function recordingSocket(): { socket: CertchatSocket; rooms: Set<string> } {
  const rooms = new Set<string>();
  const socket = {
    conn: { protocol: 4 },
    join: async (room: string) => void rooms.add(room),
    leave: async (room: string) => void rooms.delete(room),
  } as unknown as CertchatSocket;
  return { socket, rooms };
}

/** Membership answers in turn: the first check says member, the next ones say the member was removed. */
function removedAfterFirstCheck(): RealtimeContext {
  let checks = 0;
  const rights = {
    requireMember: async () => {
      checks += 1;
      if (checks > 1) throw new ApiError("GetChatsError", "not a member");
    },
  };
  return { rights } as unknown as RealtimeContext;
}

test("a removal committed between the membership check and the join leaves the socket outside the chat's room", async () => {
  const { socket, rooms } = recordingSocket();
  const call = {
    context: removedAfterFirstCheck(),
    socket,
    identity: { profile: { id: 7 } },
    payload: CHAT,
  } as unknown as EventCall<"subscribe">;
  await assert.rejects(
    subscribe(call),
    (error: unknown) => error instanceof ApiError && error.code === "GetChatsError",
  );
  assert.deepEqual([...rooms], []);
});

test("a member stays in the chat's room after subscribe", async () => {
  const { socket, rooms } = recordingSocket();
  const rights = { requireMember: async () => undefined };
  const call = {
    context: { rights } as unknown as RealtimeContext,
    socket,
    identity: { profile: { id: 7 } },
    payload: CHAT,
  } as unknown as EventCall<"subscribe">;
  assert.equal(await subscribe(call), CHAT);
  assert.deepEqual([...rooms], [`chat:${CHAT}`]);
});
