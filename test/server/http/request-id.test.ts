import assert from "node:assert/strict";
import { test } from "node:test";
import { chatServerEnv, chatUser } from "../../support/chats.ts";
import { capturingLogger } from "../../support/log-capture.ts";
import { startTestServer } from "../../support/server.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function requestId(url: string, headers: Record<string, string> = {}): Promise<string | null> {
  const response = await fetch(`${url}/healthz`, { headers });
  await response.arrayBuffer();
  return response.headers.get("x-request-id");
}

test("every answer carries a fresh x-request-id, and a client cannot choose it without a trusted proxy", async () => {
  const server = await startTestServer();
  try {
    const first = await requestId(server.url);
    const second = await requestId(server.url, { "x-request-id": "chosen-by-client" });
    assert.match(first ?? "", UUID);
    assert.match(second ?? "", UUID);
    assert.notEqual(first, second);
  } finally {
    await server.close();
  }
});

test("a trusted proxy's x-request-id is kept when it looks sane, replaced when it does not", async () => {
  const server = await startTestServer({ env: { CERTCHAT_TRUST_PROXY: "127.0.0.1" } });
  try {
    assert.equal(
      await requestId(server.url, { "x-request-id": "7F000001:C1A2_0A0B:1F90" }),
      "7F000001:C1A2_0A0B:1F90",
    );
    assert.match((await requestId(server.url, { "x-request-id": "has spaces; and=more" })) ?? "", UUID);
    assert.match((await requestId(server.url, { "x-request-id": "a".repeat(200) })) ?? "", UUID);
  } finally {
    await server.close();
  }
});

test("an authenticated request's log lines carry its request id and profile id; no line holds a token or SMS code", async () => {
  const { logger, lines } = capturingLogger();
  const server = await startTestServer({ env: chatServerEnv, logger });
  try {
    const alice = await chatUser(server, "Алисова Алиса Петровна");
    const response = await fetch(`${server.url}/api/messages/`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ token: alice.token, chat: "00000000-0000-4000-8000-000000000000" }),
    });
    assert.equal(((await response.json()) as { error?: string }).error, "GetChatsError");
    const id = response.headers.get("x-request-id");
    const refused = lines()
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((record) => record.reqId === id);
    assert.equal(refused?.profile, alice.pid, JSON.stringify(refused));
    const codes = server.sms.messages.map((message) => message.code);
    for (const line of lines()) {
      assert.ok(!line.includes(alice.token), line);
      for (const code of codes) assert.ok(!line.includes(`"${code}"`), line);
    }
  } finally {
    await server.close();
  }
});
