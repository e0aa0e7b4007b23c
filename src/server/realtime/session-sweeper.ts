import type { Logger } from "pino";
import type { ChatRights, MembershipPair } from "../services/chat-rights.ts";
import type { SessionService } from "../services/sessions.ts";
import { isDeadSession } from "./authentication.ts";
import type { CertchatIo, CertchatSocket } from "./context.ts";
import { chatOfRoom } from "./rooms.ts";

export interface SessionSweeper {
  /** Checks every socket now (sessions were just ended); a round already running is followed by another. */
  sweepNow(): Promise<void>;
  /**
   * How many sweeps have been asked for (by sweepNow or the interval). Counted when asked, before the round
   * that answers it looks at the sockets: a socket registered after the count moved may have been missed.
   */
  asked(): number;
  stop(): void;
}

/** Disconnects the sockets whose session ended; returns the others. */
async function dropDeadSessions(io: CertchatIo, sessions: SessionService): Promise<CertchatSocket[]> {
  const byToken = new Map<string, CertchatSocket[]>();
  for (const socket of io.of("/").sockets.values()) {
    const token = socket.data.token;
    if (token === undefined) continue;
    const group = byToken.get(token);
    if (group) group.push(socket);
    else byToken.set(token, [socket]);
  }
  const refused = await sessions.refusals([...byToken.keys()], { requirePhone: true });
  const live: CertchatSocket[] = [];
  for (const [token, group] of byToken) {
    if (isDeadSession(refused.get(token))) for (const socket of group) socket.disconnect();
    else live.push(...group);
  }
  return live;
}

/**
 * Makes the sockets leave the rooms of chats their profile is no longer a member of. A removal makes the
 * member's sockets leave on every node at once through Redis (chat-event-publisher.ts); this catches the
 * sockets of a node that Redis could not reach then.
 */
async function dropLostChats(sockets: CertchatSocket[], rights: ChatRights): Promise<void> {
  const joined = new Map<
    string,
    { pair: MembershipPair; rooms: { socket: CertchatSocket; room: string }[] }
  >();
  const keyOf = (pair: MembershipPair) => `${pair.profileId} ${pair.chatId}`;
  for (const socket of sockets) {
    const profileId = socket.data.identity?.profile.id;
    if (profileId === undefined) continue;
    for (const room of socket.rooms) {
      const chatId = chatOfRoom(room, socket.conn.protocol);
      if (chatId === undefined) continue;
      const pair = { chatId, profileId };
      const entry = joined.get(keyOf(pair));
      if (entry) entry.rooms.push({ socket, room });
      else joined.set(keyOf(pair), { pair, rooms: [{ socket, room }] });
    }
  }
  if (joined.size === 0) return;
  const current = await rights.currentMemberships([...joined.values()].map((entry) => entry.pair));
  for (const pair of current) joined.delete(keyOf(pair));
  for (const entry of joined.values()) for (const { socket, room } of entry.rooms) void socket.leave(room);
}

/**
 * Once per interval, on this node: disconnects the sockets whose session ended (expired, removed, certificate
 * expired or revoked), checking every distinct token once in a query per 500 tokens (not per event, nor per
 * socket); then makes the others leave the chat rooms whose membership is gone, in a query per 400 (chat,
 * profile) pairs. Each round first forgets the node's remembered message signers (ChatRights.forgetSigners: a
 * certificate may have been revoked). A round that fails (database unreachable) is logged and leaves the sockets
 * alone until the next one.
 */
export function sweepDeadSessions(
  io: CertchatIo,
  sessions: SessionService,
  rights: ChatRights,
  intervalMs: number,
  logger: Logger,
): SessionSweeper {
  let running: Promise<void> | undefined;
  let again = false;
  let asked = 0;
  const round = async () => {
    rights.forgetSigners();
    await dropLostChats(await dropDeadSessions(io, sessions), rights);
  };
  const sweep = (): Promise<void> => {
    asked += 1;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (error) {
          logger.error({ err: error }, "socket session sweep failed; sockets are checked again next round");
        }
      } while (again);
      running = undefined;
    })();
    return running;
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return { sweepNow: sweep, asked: () => asked, stop: () => clearInterval(timer) };
}
