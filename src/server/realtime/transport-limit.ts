/**
 * Engine.IO has one message size limit per server (`maxHttpBufferSize`), copied into each transport: the
 * polling transport's options (checked per POST chunk) and the websocket's `ws` receiver (checked at each
 * frame's header, before the frame is buffered). Changing those copies gives one connection its own limit,
 * so a connection without a session cannot make the server buffer, unmask and decode megabytes.
 *
 * `_maxPayload` is a private field of ws 8's Receiver: the gate's tests fail if an upgrade renames it.
 */
interface PollingTransport {
  name: "polling";
  opts: { maxHttpBufferSize: number };
}

interface WebSocketTransport {
  name: "websocket";
  socket?: { _receiver?: { _maxPayload?: number } | null };
}

/** Sets the largest message the transport accepts; false when it is of a shape this does not know. */
export function setTransportLimit(transport: unknown, bytes: number): boolean {
  const candidate = transport as Partial<PollingTransport | WebSocketTransport> | undefined;
  if (candidate?.name === "polling") {
    const opts = (candidate as PollingTransport).opts;
    if (typeof opts?.maxHttpBufferSize !== "number") return false;
    opts.maxHttpBufferSize = bytes;
    return true;
  }
  if (candidate?.name === "websocket") {
    const receiver = (candidate as WebSocketTransport).socket?._receiver;
    if (typeof receiver?._maxPayload !== "number") return false;
    receiver._maxPayload = bytes;
    return true;
  }
  return false;
}
