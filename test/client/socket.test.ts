import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApiError } from "../../src/client/api.ts";
import { CertchatSocket } from "../../src/client/socket.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import { FakeGateway } from "./fake-gateway.ts";

const CHAT = "91ec6ed7-aced-4251-bb01-55debd90ddb6";

/** Resolves once `received` holds `count` messages. */
async function until(received: Message[], count: number): Promise<void> {
  for (let waited = 0; received.length < count; waited += 10) {
    if (waited > 5_000) throw new Error(`only ${received.length} of ${count} messages arrived`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("socket client against a stand-in gateway (the real one is on the realtime branch)", () => {
  let gateway: FakeGateway;
  let url: string;

  before(async () => {
    gateway = new FakeGateway("token-1");
    url = await gateway.start();
  });
  after(() => gateway.stop());

  it("delivers live messages once each, then catches up after a dropped connection", async () => {
    gateway.publish(CHAT, "before subscribing");
    const socket = new CertchatSocket({ server: url, token: "token-1" });
    const received: Message[] = [];
    socket.onMessage((message) => received.push(message));
    await socket.connect();
    await socket.subscribe(CHAT);
    gateway.publish(CHAT, "live 1");
    await until(received, 1);
    gateway.dropConnections();
    gateway.publish(CHAT, "while away 1");
    gateway.publish(CHAT, "while away 2");
    await until(received, 3);
    gateway.publish(CHAT, "live 2");
    await until(received, 4);
    socket.close();
    assert.deepEqual(
      received.map((message) => message.data),
      ["live 1", "while away 1", "while away 2", "live 2"],
    );
  });

  it("subscribe with an id catches up from it", async () => {
    const socket = new CertchatSocket({ server: url, token: "token-1" });
    const received: Message[] = [];
    socket.onMessage((message) => received.push(message));
    await socket.connect();
    const third = gateway.messages.filter((message) => message.chat === CHAT)[2];
    assert.ok(third);
    await socket.subscribe(CHAT, third.id);
    socket.close();
    assert.deepEqual(
      received.map((message) => message.data),
      ["while away 2", "live 2"],
    );
  });

  it("retries sendMessage with the same localId until acknowledged: one stored message", async () => {
    const socket = new CertchatSocket({ server: url, token: "token-1", ackTimeoutMs: 200 });
    await socket.connect();
    gateway.dropAcks = 2;
    const before = gateway.messages.length;
    const stored = await socket.sendMessage({ chat: CHAT, text: "once", cid: 1, localId: "local-7" });
    socket.close();
    assert.equal(stored.localId, "local-7");
    assert.equal(stored.data, "once");
    assert.equal(gateway.messages.length, before + 1);
  });

  it("a refused token rejects connect() instead of waiting forever", async () => {
    const socket = new CertchatSocket({ server: url, token: "wrong" });
    await assert.rejects(socket.connect(), CertchatApiError);
  });
});
