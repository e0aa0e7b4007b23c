import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { CertchatMetrics } from "./metrics.ts";

export interface MetricsListener {
  /** http://host:port/metrics, for the banner. */
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on a listener of its own (CERTCHAT_METRICS_HOST/PORT), so the series are never served on the
 * API's port that a load balancer exposes. Anything else is 404.
 */
export async function startMetricsListener(
  metrics: CertchatMetrics,
  host: string,
  port: number,
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { "content-type": metrics.contentType }).end(text),
      (error: unknown) =>
        response.writeHead(500, { "content-type": "text/plain" }).end(`${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new Error(
          `metrics listener (CERTCHAT_METRICS_HOST/PORT) cannot listen on ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
