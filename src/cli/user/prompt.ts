import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";

/** Asks one question on stderr and reads the answer line from stdin (a terminal or a pipe). */
export async function ask(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    process.stderr.write(question);
    return await nextLine(lines);
  } finally {
    lines.close();
  }
}

/**
 * As ask, for a secret (a PFX password): on a terminal what is typed is not shown — readline puts the terminal
 * in raw mode and echoes into a stream that drops it. From a pipe nothing is echoed anyway.
 */
export async function askSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) return ask(question);
  const hidden = new Writable({ write: (_chunk, _encoding, done) => done() });
  // Raw mode is set here: only then is the question asked, so nothing typed after it is echoed.
  const lines = createInterface({ input: process.stdin, output: hidden, terminal: true });
  process.stderr.write(question);
  try {
    return await nextLine(lines);
  } finally {
    lines.close();
    process.stderr.write("\n");
  }
}

function nextLine(lines: ReturnType<typeof createInterface>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    lines.once("line", (line) => resolve(line.trim()));
    lines.once("close", () => reject(new Error("stdin closed before an answer was given")));
    // Raw mode turns Ctrl-C into a key: give up on the question as the terminal would have.
    lines.once("SIGINT", () => reject(new Error("interrupted")));
  });
}
