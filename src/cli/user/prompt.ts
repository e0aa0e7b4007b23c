import { createInterface } from "node:readline/promises";

/** Asks one question on stderr and reads the answer line from stdin (a terminal or a pipe). */
export async function ask(question: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    process.stderr.write(question);
    const answer = await new Promise<string>((resolve, reject) => {
      lines.once("line", resolve);
      lines.once("close", () => reject(new Error("stdin closed before an answer was given")));
    });
    return answer.trim();
  } finally {
    lines.close();
  }
}
