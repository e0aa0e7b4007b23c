/**
 * What the bench process (bench/lib/swarm.ts) and its socket-holding worker processes
 * (bench/lib/swarm-worker.ts) say to each other over the child-process IPC channel: a request with an id and
 * one answer to it.
 */
import type { ResumePath } from "./storm-socket.ts";

/** The sockets one worker holds. */
export interface SwarmPlan {
  /**
   * `storm`: reconnecting sockets that catch up after every connect as the SDK's do (storm-socket.ts);
   * `idle`: sockets connected and subscribed once, recording when numbered messages arrive (if `record`).
   */
  mode: "storm" | "idle";
  url: string;
  tokens: string[];
  /** The distinct sets of chats sockets subscribe to; a socket names its set by index. */
  chatSets: string[][];
  /** storm: the id after which each chat's messages are expected (the last id before the measurement). */
  after: Record<string, number>;
  sockets: { token: number; chats: number; record?: boolean }[];
  /**
   * Loopback addresses this worker's connections come from, socket i from the (i mod n)-th: each address has
   * its own ephemeral ports, and a proxy balancing by source address spreads them. Empty: the default.
   */
  localAddresses: string[];
  /** storm: how the sockets catch up after a connect (default `resume`). */
  resumePath?: ResumePath;
  /** Handshakes in flight at a time. */
  parallel: number;
}

/** A storm worker's sockets after the sends: how far each got. Times are epoch ms (timeOrigin + now). */
export interface StormReport {
  sockets: number;
  /** Per socket that holds every acked message of its chats and has resumed: when it was complete. */
  completedAt: number[];
  /** Per socket: when its last connection was made (0: not connected). */
  connectedAt: number[];
  /** Per socket: when its last connection's subscribes and catch-ups ended (0: not yet). */
  resumedAt: number[];
  /** Per socket that lost its connection since the mark: when it lost it last. */
  droppedAt: number[];
  /** Per socket that lost its connection and is complete: from the loss to complete, in ms. */
  outageMs: number[];
  /** Acked messages not delivered, summed over the sockets. */
  missing: number;
  /** Delivered messages that no sender had acked (stored, though the sender was told it failed). */
  unexpected: number;
  /** Messages received again after their delivery (live and catch-up overlapping): harmless, dropped. */
  redundant: number;
  /** Messages skipped as older than the last delivered one, never delivered: lost by ordering. */
  skipped: number;
  /** Sockets that never saw their connection end (the restart did not reach them). */
  neverDropped: number;
  drops: number;
  failedAttempts: number;
  maxFailedAttempts: number;
  /** Failed reconnection attempts by reason, summed over the sockets. */
  failureReasons: Record<string, number>;
}

export type SwarmCommand =
  | { type: "connect"; plan: SwarmPlan }
  /** storm: forget the sockets' reconnection figures, the measurement starts. */
  | { type: "mark" }
  /** storm: judge every socket against the acked ids of each chat. */
  | { type: "check"; acked: Record<string, number[]> }
  /** idle: hand over (and forget) the arrivals of numbered messages at recording sockets. */
  | { type: "arrivals" }
  | { type: "close" };

export interface Arrivals {
  /** [sequence number, arrival time in epoch ms] of every delivery. */
  arrivals: [number, number][];
  /** Connections of this worker that ended while they should have stayed up. */
  drops: number;
}

export type SwarmAnswer =
  | { type: "connected"; sockets: number; seconds: number }
  | { type: "marked" }
  | { type: "checked"; report: StormReport }
  | { type: "arrivals"; result: Arrivals }
  | { type: "closed" };

export interface SwarmRequest {
  id: number;
  command: SwarmCommand;
}

export type SwarmReply = { id: number; answer: SwarmAnswer } | { id: number; error: string };

/** Adds each count of `from` to `into` (failure reasons of sockets and of workers). */
export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}
