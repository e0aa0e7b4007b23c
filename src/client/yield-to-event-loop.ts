/**
 * Lets the event loop run other tasks (input, rendering, timers) before going on: awaiting promises alone never
 * does, so a page of messages decrypted and verified one after another would otherwise be one long task in a
 * browser. Node: setImmediate. Browsers: a MessageChannel message (not setTimeout, which nested calls clamp to
 * 4 ms each).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === "function") return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
