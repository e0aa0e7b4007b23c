import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { test } from "node:test";
import { startMetricsListener } from "../../../src/server/metrics/listener.ts";
import { CertchatMetrics } from "../../../src/server/metrics/metrics.ts";

test("a metrics port already in use fails the start with a message naming the settings", async () => {
  const occupant = createServer();
  await new Promise<void>((resolve) => occupant.listen(0, "127.0.0.1", resolve));
  const { port } = occupant.address() as AddressInfo;
  try {
    await assert.rejects(
      startMetricsListener(new CertchatMetrics(), "127.0.0.1", port),
      /CERTCHAT_METRICS_HOST\/PORT.*EADDRINUSE/,
    );
  } finally {
    await new Promise((resolve) => occupant.close(resolve));
  }
});

test("the listener answers a scrape with the Prometheus text format", async () => {
  const listener = await startMetricsListener(new CertchatMetrics(), "127.0.0.1", 0);
  try {
    const response = await fetch(listener.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(await response.text(), /^# HELP certchat_http_requests_total /m);
  } finally {
    await listener.close();
  }
});
