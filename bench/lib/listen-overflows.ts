import { readFileSync } from "node:fs";

/**
 * Connections the kernel dropped because a listener's accept queue was full (TcpExt ListenOverflows in
 * /proc/net/netstat), machine-wide since boot; undefined where the file is not there (not Linux). Read before
 * and after a storm: a dropped connection waits out TCP's retransmission backoff (1, 2, 4 … s) before the
 * listener sees it, or fails its connect timeout.
 */
export function listenOverflows(): number | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/net/netstat", "utf8");
  } catch {
    return undefined;
  }
  const [names, values] = text.split("\n").filter((line) => line.startsWith("TcpExt:"));
  if (!names || !values) return undefined;
  const index = names.split(/\s+/).indexOf("ListenOverflows");
  const value = Number(values.split(/\s+/)[index]);
  return index > 0 && Number.isFinite(value) ? value : undefined;
}

/** Overflows since `before` (a listenOverflows() reading), or undefined where they cannot be read. */
export function overflowsSince(before: number | undefined): number | undefined {
  const after = listenOverflows();
  return before === undefined || after === undefined ? undefined : after - before;
}
