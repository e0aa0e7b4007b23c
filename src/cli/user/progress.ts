/**
 * A one-line progress report on stderr: redrawn in place on a terminal, and printed once when finished
 * otherwise (so logs and test output stay readable).
 */
export interface ProgressLine {
  update(done: number, total: number): void;
  finish(): void;
}

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressLine {
  let last = "";
  let lastDone = 0;
  let lastTotal = 0;
  const render = (done: number, total: number) => {
    const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
    return `${label}: ${percent}% (${megabytes(done)} of ${megabytes(total)})`;
  };
  return {
    update(done, total) {
      lastDone = done;
      lastTotal = total;
      if (!stream.isTTY) return;
      const line = render(done, total);
      if (line === last) return;
      last = line;
      stream.write(`\r${line}`);
    },
    finish() {
      stream.write(`${stream.isTTY ? "\r" : ""}${render(lastTotal || lastDone, lastTotal || lastDone)}\n`);
    },
  };
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** A progress callback for work in named phases: one line per phase, finished when the phase completes. */
export function phasedProgress<Phase extends string>(
  labels: Record<Phase, string>,
): (phase: Phase, done: number, total: number) => void {
  const lines = new Map<Phase, ProgressLine>();
  return (phase, done, total) => {
    let line = lines.get(phase);
    if (!line) {
      line = progressLine(labels[phase]);
      lines.set(phase, line);
    }
    line.update(done, total);
    if (done === total) line.finish();
  };
}
