/** What a number, boolean or null counts for: about its JSON text, and what a value costs in memory. */
const SCALAR_BYTES = 8;

/**
 * About the bytes a socket event's arguments hold (docs/DECISIONS.md §13): its strings' lengths (a file's
 * base64 is nearly all of a big send) and object keys, binary data by its length, a byte per separator, 8 for
 * any other value. The server bounds a socket's queued events by it; the SDK measures its sends the same way
 * to stay within that bound. The server measures the decoded arguments, once per event: Socket.IO hands an
 * event to the socket a tick after decoding its frame, several per polling POST, so the frame's own length
 * does not reach the handler. Stops counting once past `cap`: a flood of small values costs no more than
 * parsing it did. Walks without recursion, so a deeply nested payload cannot exhaust the stack.
 */
export function eventBytes(args: readonly unknown[], cap: number): number {
  let bytes = 0;
  const pending: unknown[] = [...args];
  while (pending.length > 0 && bytes <= cap) {
    const value = pending.pop();
    if (typeof value === "string") bytes += value.length;
    else if (typeof value === "function" || value === undefined) continue;
    else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) bytes += value.byteLength;
    else if (Array.isArray(value)) {
      bytes += SCALAR_BYTES;
      for (const item of value) {
        if (bytes > cap) break;
        bytes += 1;
        pending.push(item);
      }
    } else if (typeof value === "object" && value !== null) {
      bytes += SCALAR_BYTES;
      for (const key in value) {
        if (bytes > cap) break;
        bytes += key.length + 1;
        pending.push((value as Record<string, unknown>)[key]);
      }
    } else bytes += SCALAR_BYTES;
  }
  return bytes;
}
