import type { CertchatIo, CertchatSocket } from "./context.ts";
import { setTransportLimit } from "./transport-limit.ts";

/** The Engine.IO connection under a Socket.IO socket. */
type Connection = CertchatSocket["conn"];

/** An Engine.IO packet as the connection's "packet" event passes it, before Socket.IO decodes it. */
interface EnginePacket {
  type: string;
  data?: unknown;
}

export interface PreAuthGateOptions {
  /**
   * Bytes of messages a connection may send before one of them starts an authentication; also the server's
   * Engine.IO `maxHttpBufferSize`, raised per connection once it authenticates (see transport-limit.ts).
   */
  budgetBytes: number;
  /** The largest message of a connection with a session; also what may be held back while its token is checked. */
  deferBytes: number;
  /** A connection not authenticated by then is closed. */
  graceMs: number;
  onDrop(reason: string): void;
  /** A transport whose limit could not be set (a dependency changed shape): only the packet checks apply. */
  onUnknownTransport(name: string): void;
}

type Phase = "open" | "authenticating" | "authenticated";

interface Gate {
  phase: Phase;
  received: number;
  deferred: unknown[];
  deferredBytes: number;
  timer: NodeJS.Timeout;
}

/**
 * A Socket.IO CONNECT packet to the main namespace (the handshake's token is checked on it) or a `session`
 * event there (any ack id). Other namespaces do not count: a CONNECT to one is refused without ever resolving
 * the gate, so it must not lift the connection's limit (an outside review used `40/nope,` to do just that).
 */
const STARTS_AUTHENTICATION = /^(?:0(?:\/,)?(?:\{|$)|2(?:\/,)?\d*\[\s*"session")/;

function sizeOf(data: unknown): number {
  if (typeof data === "string") return data.length;
  return Buffer.isBuffer(data) ? data.length : 0;
}

function startsAuthentication(data: unknown): boolean {
  return typeof data === "string" && STARTS_AUTHENTICATION.test(data.slice(0, 64));
}

/**
 * Keeps what a connection without a session can make the server do small (issue 11): Socket.IO parses every
 * event's JSON on the event loop, so before a connection has a session its messages may total only
 * `budgetBytes` (beyond that it is closed, the packet unparsed), and it is closed if no session arrives within
 * `graceMs`. Packets that arrive while a token is being checked (the deployed client sends `session` and then,
 * without waiting, the sends it buffered while offline, files included) are held back unparsed and handed to
 * Socket.IO in order once the token is valid; a refused token drops them with the connection.
 *
 * Engine.IO emits each decoded packet as "packet" before it hands a message to Socket.IO; a packet re-typed
 * "noop" there is not handed on. Before any of that, a connection without a token in flight has the small
 * message limit, so a big frame or POST is refused before it is even buffered.
 */
export class PreAuthGate {
  private readonly gates = new WeakMap<Connection, Gate>();

  constructor(private readonly options: PreAuthGateOptions) {}

  attach(io: CertchatIo): void {
    io.engine.on("connection", (connection: Connection) => this.watch(connection));
  }

  /** The socket's token was checked: valid (events flow), or absent (the budget applies again). */
  resolved(socket: CertchatSocket, authenticated: boolean): void {
    const gate = this.gates.get(socket.conn);
    if (!gate || gate.phase === "authenticated") return;
    if (authenticated) clearTimeout(gate.timer);
    this.enter(socket.conn, gate, authenticated ? "authenticated" : "open");
    this.release(socket.conn, gate);
  }

  /** The socket's token was refused: what it sent meanwhile is dropped with the connection. */
  refused(socket: CertchatSocket): void {
    const gate = this.gates.get(socket.conn);
    if (!gate || gate.phase === "authenticated") return;
    gate.deferred = [];
    socket.conn.close();
  }

  private watch(connection: Connection): void {
    const timer = setTimeout(() => this.drop(connection, "no session in time"), this.options.graceMs);
    timer.unref();
    const gate: Gate = { phase: "open", received: 0, deferred: [], deferredBytes: 0, timer };
    this.gates.set(connection, gate);
    connection.on("packet", (packet: EnginePacket) => this.inspect(connection, gate, packet));
    // A transport that replaces the first (polling → websocket) starts with the server's small limit.
    connection.on("upgrade", () => this.applyLimit(connection, gate));
    connection.once("close", () => clearTimeout(timer));
  }

  private inspect(connection: Connection, gate: Gate, packet: EnginePacket): void {
    if (packet.type !== "message" || gate.phase === "authenticated") return;
    const size = sizeOf(packet.data);
    if (gate.phase === "authenticating") {
      packet.type = "noop";
      gate.deferred.push(packet.data);
      gate.deferredBytes += size;
      if (gate.deferredBytes > this.options.deferBytes)
        this.drop(connection, "too much sent before a session");
      return;
    }
    if (!this.admit(connection, gate, packet.data, size)) {
      packet.type = "noop";
      this.drop(connection, "too much sent before a session");
    }
  }

  /** Counts an unauthenticated message against the budget; false when it is over. */
  private admit(connection: Connection, gate: Gate, data: unknown, size: number): boolean {
    gate.received += size;
    if (gate.received > this.options.budgetBytes) return false;
    if (startsAuthentication(data)) this.enter(connection, gate, "authenticating");
    return true;
  }

  private enter(connection: Connection, gate: Gate, phase: Phase): void {
    gate.phase = phase;
    this.applyLimit(connection, gate);
  }

  /** The small limit while nothing is known of the connection; the full one once a token is on its way. */
  private applyLimit(connection: Connection, gate: Gate): void {
    const bytes = gate.phase === "open" ? this.options.budgetBytes : this.options.deferBytes;
    if (!setTransportLimit(connection.transport, bytes))
      this.options.onUnknownTransport(connection.transport.name);
  }

  /** Hands held-back packets to Socket.IO in order, until one starts another authentication. */
  private release(connection: Connection, gate: Gate): void {
    while (gate.deferred.length > 0 && gate.phase !== "authenticating") {
      const data = gate.deferred.shift();
      const size = sizeOf(data);
      gate.deferredBytes -= size;
      if (gate.phase === "open" && !this.admit(connection, gate, data, size)) {
        this.drop(connection, "too much sent before a session");
        return;
      }
      connection.emit("data", data);
    }
  }

  private drop(connection: Connection, reason: string): void {
    const gate = this.gates.get(connection);
    if (!gate || gate.phase === "authenticated" || connection.readyState !== "open") return;
    gate.deferred = [];
    this.options.onDrop(reason);
    connection.close();
  }
}
