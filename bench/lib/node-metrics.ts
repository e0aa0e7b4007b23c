/**
 * One series' value from a certchat node's Prometheus endpoint (CERTCHAT_METRICS_PORT), e.g.
 * `certchat_rate_limit_refusals_total{limit="socket_handshakes"}`; undefined when the node does not answer or
 * has no such series (an older build).
 */
export async function metricValue(port: number, series: string): Promise<number | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
    const value = Number(line?.slice(series.length + 1));
    return line === undefined || !Number.isFinite(value) ? undefined : value;
  } catch {
    return undefined;
  }
}
