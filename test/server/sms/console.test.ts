import assert from "node:assert/strict";
import { test } from "node:test";
import { ConsoleSmsProvider } from "../../../src/server/sms/console.ts";
import { capturedLogger } from "../../support/logs.ts";

const message = { phone: "79991234567", code: "482913", text: "certchat: код подтверждения 482913" };

test("a log at info level never holds an SMS code", async () => {
  const logs = capturedLogger("info");
  await new ConsoleSmsProvider(logs.logger).send(message);
  assert.equal(JSON.stringify(logs.lines()).includes(message.code), false);
});

test("the code is in the log at debug level", async () => {
  const logs = capturedLogger("debug");
  await new ConsoleSmsProvider(logs.logger).send(message);
  const [line] = logs.lines();
  assert.equal(line?.level, 20);
  assert.equal(line?.code, message.code);
});

test("with the test CA the code is printed on the terminal, as the README's demos read it", async () => {
  const printed: string[] = [];
  const provider = new ConsoleSmsProvider(capturedLogger("info").logger, (line) => printed.push(line));
  await provider.send(message);
  assert.deepEqual(printed, ["SMS code for +79991234567: 482913"]);
  assert.match(provider.description, /^console \(codes printed on this terminal/);
});

test("without a terminal the banner says codes go to the debug log only", () => {
  const provider = new ConsoleSmsProvider(capturedLogger("info").logger);
  assert.match(provider.description, /debug level only/);
});
