import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../support/server.ts";

/** How a trickling client fared: what the server wrote before closing, or "still open" at the client's limit. */
function trickle(url: string, head: string, everyMs: number, limitMs = 15_000): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    let timer: NodeJS.Timeout | undefined;
    const limit = setTimeout(() => finish("still open"), limitMs);
    const finish = (outcome: string) => {
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve(outcome);
    };
    socket.on("connect", () => {
      socket.write(head);
      timer = setInterval(() => socket.write(" "), everyMs);
    });
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("close", () => finish(answer === "" ? "closed" : (answer.split("\r\n")[0] ?? "")));
    socket.on("error", () => undefined);
  });
}

const POST_HEAD =
  "POST /api/profile/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";

describe("slow clients", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: {
        CERTCHAT_HTTP_BODY_IDLE_TIMEOUT: "300ms",
        CERTCHAT_HTTP_HEADERS_TIMEOUT: "500ms",
        CERTCHAT_HTTP_REQUEST_TIMEOUT: "2s",
      },
    });
  });
  after(async () => server.close());

  test("a body that pauses longer than CERTCHAT_HTTP_BODY_IDLE_TIMEOUT loses its connection", async () => {
    assert.equal(await trickle(server.url, POST_HEAD, 1_000), "closed");
  });

  test("a body trickling for longer than CERTCHAT_HTTP_REQUEST_TIMEOUT is answered 408", async () => {
    assert.equal(await trickle(server.url, POST_HEAD, 100), "HTTP/1.1 408 Request Timeout");
  });

  test("headers not complete within CERTCHAT_HTTP_HEADERS_TIMEOUT are answered 408", async () => {
    assert.equal(
      await trickle(server.url, "POST /api/profile/ HTTP/1.1\r\nX-Slow: ", 100),
      "HTTP/1.1 408 Request Timeout",
    );
  });

  test("a request that arrives in time is answered", async () => {
    const reply = await server.post("/api/profile/", {});
    assert.deepEqual(reply.body, { success: false, error: "NeedAuthentication" });
  });
});
