import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { chatBetween, textMessage } from "../../support/sockets.ts";

const UNKNOWN_TOKEN = "99b082c6-979b-4646-9e85-60f30b1c37a7";

/** `{"k0":0,"k1":0,…}` of about `bytes` bytes: cheap to send, costly to parse. */
function manyKeys(bytes: number): string {
  const count = Math.floor(bytes / 10);
  return `{${Array.from({ length: count }, (_, i) => `"k${i}":0`).join(",")}}`;
}

describe("request bodies", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;
  before(async () => {
    server = await startTestServer({ env: { ...chatServerEnv, CERTCHAT_MAX_REQUEST_BYTES: "256KiB" } });
    alice = await chatUser(server, "Алексеева Алиса Игоревна");
    const bob = await chatUser(server, "Борисов Борис Петрович");
    chat = await chatBetween(server, alice, bob);
  });
  after(async () => server.close());

  test("a method other than sendMessage refuses a body over CERTCHAT_MAX_REQUEST_BYTES with 413", async () => {
    const reply = await server.post("/api/profile/", { token: alice.token, pad: "A".repeat(300 * 1024) });
    assert.equal(reply.status, 413);
    assert.deepEqual(reply.body, { success: false, error: "DataError" });
  });

  test("sendMessage takes a body over CERTCHAT_MAX_REQUEST_BYTES (a file)", async () => {
    const file = Buffer.alloc(2 * 1024 * 1024, 7).toString("base64");
    const reply = await server.post("/api/sendMessage/", {
      ...textMessage(alice, chat, "файл"),
      token: alice.token,
      data: file,
    });
    assert.equal(reply.body.success, true, reply.body.error);
  });

  test("a body of more values than the budget is InvalidSchema without a session", async () => {
    const reply = await server.post("/api/profile/", manyKeys(200 * 1024));
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a body nested deeper than the budget is InvalidSchema, even in a field no method reads", async () => {
    const deep = `${"[".repeat(40_000)}${"]".repeat(40_000)}`;
    const reply = await server.post("/api/profile/", `{"token":"${alice.token}","extra":${deep}}`);
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a big body with __proto__ is InvalidSchema, as a small one is", async () => {
    const body = `{"token":"${alice.token}","pad":"${"A".repeat(100_000)}","__proto__":{"admin":true}}`;
    const reply = await server.post("/api/profile/", body);
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a big form is read like a small one", async () => {
    const reply = await server.post(
      "/api/profile/",
      { token: alice.token, pad: "A".repeat(100_000) },
      { form: true },
    );
    assert.equal(reply.body.success, true, reply.body.error);
  });

  test("a sendMessage body over 1 MiB with an unknown token is refused before its fields are checked", async () => {
    const body = { token: UNKNOWN_TOKEN, chat, cid: "not a number", text: "A".repeat(2 * 1024 * 1024) };
    const reply = await server.post("/api/sendMessage/", body);
    assert.deepEqual(reply.body, { success: false, error: "NeedAuthentication" });
  });

  test("a sendMessage body over 1 MiB may carry its token in the Authorization header", async () => {
    const file = Buffer.alloc(1536 * 1024, 3).toString("base64");
    const reply = await server.post(
      "/api/sendMessage/",
      { ...textMessage(alice, chat, "файл"), data: file },
      { headers: { authorization: `Bearer ${alice.token}` } },
    );
    assert.equal(reply.body.success, true, reply.body.error);
  });
});

describe("request bodies in flight", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: {
        ...chatServerEnv,
        CERTCHAT_MAX_BODY_BYTES: "1MiB",
        CERTCHAT_MAX_BODIES_IN_FLIGHT: "1MiB",
        // The stalled body must outlast the wait below on a loaded machine (its 10 s default would free it).
        CERTCHAT_HTTP_BODY_IDLE_TIMEOUT: "60s",
      },
    });
  });
  after(async () => server.close());

  test("a body that would pass the node's in-flight budget is refused with 413, and the budget comes back", async () => {
    const url = new URL("/api/sendMessage/", server.url);
    // An anonymous upload that announces 1 MiB, sends 900 KiB and then stalls: it holds the budget.
    const held = await stalledUpload(url, "127.0.0.1", 900 * 1024);
    // The write callback fires when the bytes leave this process, not when the server has read them: until it
    // has, a second body may still fit the budget (and is answered InvalidSchema), so ask until it is counted.
    const refused = await askUntilRefused(() =>
      server.post("/api/sendMessage/", { pad: "B".repeat(300 * 1024) }),
    );
    assert.equal(refused.status, 413);
    assert.deepEqual(refused.body, { success: false, error: "DataError" });
    const closed = new Promise((resolve) => held.once("close", resolve));
    held.destroy();
    await closed;
    // The stalled body's bytes are given back once its connection is gone: the same request is now read and
    // reaches the method's schema (no chat, no cid: InvalidSchema).
    const answer = await askUntilRead(() =>
      server.post("/api/sendMessage/", { pad: "B".repeat(300 * 1024) }),
    );
    assert.deepEqual(answer.body, { success: false, error: "InvalidSchema" });
  });
});

/**
 * POSTs `body` as JSON from the local address `from` (a loopback address of its own: the server's request.ip),
 * or, when the server trusts the loopback proxy, as the client `forwardedFor` (X-Forwarded-For).
 */
function postFrom(
  url: string,
  from: string,
  body: unknown,
  forwardedFor?: string,
): Promise<{ status: number; body: unknown }> {
  const text = JSON.stringify(body);
  const forwarded = forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor };
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: "POST", localAddress: from, headers: { "content-type": "application/json", ...forwarded } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    request.on("error", reject);
    request.end(text);
  });
}

/** An upload from `from` (or forwarded for `forwardedFor`) that announces 1 MiB, sends `bytes` of it and stalls. */
function stalledUpload(url: URL, from: string, bytes: number, forwardedFor?: string): Promise<Socket> {
  const forwarded = forwardedFor === undefined ? "" : `X-Forwarded-For: ${forwardedFor}\r\n`;
  return new Promise((resolve) => {
    const socket = connect({ port: Number(url.port), host: url.hostname, localAddress: from }, () => {
      socket.write(
        `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n${forwarded}` +
          `Content-Length: ${1024 * 1024}\r\n\r\n{"pad":"${"A".repeat(bytes)}`,
        () => resolve(socket),
      );
    });
  });
}

describe("request bodies in flight per client address", () => {
  let server: TestServer;
  before(async () => {
    // A 4 MiB budget; one address's share is a quarter of it, the largest body: 1 MiB.
    server = await startTestServer({
      env: { ...chatServerEnv, CERTCHAT_MAX_BODY_BYTES: "1MiB", CERTCHAT_MAX_BODIES_IN_FLIGHT: "4MiB" },
    });
  });
  after(async () => server.close());

  test("one address's stalled uploads hold no more than its share: its next body is refused, another address's is read", async () => {
    const url = new URL("/api/sendMessage/", server.url);
    const held = await stalledUpload(url, "127.0.0.2", 900 * 1024);
    try {
      // The write callback fires when the bytes leave this process, not when the server has counted them.
      const refused = await askUntilRefused(() =>
        postFrom(url.href, "127.0.0.2", { pad: "B".repeat(300 * 1024) }),
      );
      assert.deepEqual(refused, { status: 413, body: { success: false, error: "DataError" } });
      // The same body from another address is read and reaches the method's schema (no chat, no cid).
      const other = await postFrom(url.href, "127.0.0.3", { pad: "B".repeat(300 * 1024) });
      assert.deepEqual(other.body, { success: false, error: "InvalidSchema" });
    } finally {
      held.destroy();
    }
  });
});

describe("request bodies in flight per IPv6 /64", () => {
  let server: TestServer;
  before(async () => {
    // As above, a 1 MiB share of a 4 MiB budget; the clients' addresses come from the trusted loopback proxy.
    server = await startTestServer({
      env: {
        ...chatServerEnv,
        CERTCHAT_MAX_BODY_BYTES: "1MiB",
        CERTCHAT_MAX_BODIES_IN_FLIGHT: "4MiB",
        CERTCHAT_TRUST_PROXY: "127.0.0.1",
      },
    });
  });
  after(async () => server.close());

  test("a stalled upload from one IPv6 address holds the share of its whole /64, not of a neighbouring /64", async () => {
    const url = new URL("/api/sendMessage/", server.url);
    const post = (forwardedFor: string) =>
      postFrom(url.href, "127.0.0.1", { pad: "B".repeat(300 * 1024) }, forwardedFor);
    const held = await stalledUpload(url, "127.0.0.1", 900 * 1024, "2001:db8:1:2::1");
    try {
      // Until the server has counted the stalled bytes, a second body may still fit: ask until it is refused.
      const refused = await askUntilRefused(() => post("2001:db8:1:2::2"));
      assert.deepEqual(refused, { status: 413, body: { success: false, error: "DataError" } });
      const neighbour = await post("2001:db8:1:3::1");
      assert.deepEqual(neighbour.body, { success: false, error: "InvalidSchema" });
    } finally {
      held.destroy();
    }
  });
});

/**
 * Asks until the answer is 413: a stalled upload's bytes are counted once the server has read them, which the
 * write callback does not wait for (up to 30 s: in a loaded CI run 5 s were once not enough). The last answer.
 */
function askUntilRefused<T extends { status: number }>(ask: () => Promise<T>): Promise<T> {
  return askWhile(ask, (answer) => answer.status !== 413);
}

/** Asks until the answer is no longer 413 (a stalled upload's bytes given back once its connection is gone). */
function askUntilRead<T extends { status: number }>(ask: () => Promise<T>): Promise<T> {
  return askWhile(ask, (answer) => answer.status === 413);
}

async function askWhile<T>(ask: () => Promise<T>, again: (answer: T) => boolean): Promise<T> {
  let answer = await ask();
  for (let tries = 0; again(answer) && tries < 300; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    answer = await ask();
  }
  return answer;
}
