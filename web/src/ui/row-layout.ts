/**
 * Where each row of a long list sits when only some rows are in the page: heights as measured when a row was
 * rendered, an estimate for the rest, and the rows that cover a stretch of the list. Pure arithmetic over
 * message ids (ascending), so the history view can place a row it has never rendered.
 */

/** A row not rendered yet is taken to be one line of text with its meta line. */
export const ESTIMATED_ROW_PX = 64;

export class RowHeights {
  private readonly measured = new Map<number, number>();

  /** Records a rendered row's height; whether it changed what was known. */
  set(id: number, height: number): boolean {
    if (this.measured.get(id) === height) return false;
    this.measured.set(id, height);
    return true;
  }

  /**
   * The top of each row and, last, the list's height: `tops[i]` for row i of `ids`, each row followed by
   * `gap` (the list's row gap), so `tops[i + 1] - tops[i]` is the row's slot.
   */
  tops(ids: readonly number[], gap: number): Float64Array {
    const tops = new Float64Array(ids.length + 1);
    for (let i = 0; i < ids.length; i++)
      tops[i + 1] = (tops[i] as number) + (this.measured.get(ids[i] as number) ?? ESTIMATED_ROW_PX) + gap;
    return tops;
  }
}

/** The index of the last row whose top is at or above `y` (0 for a `y` above the first row). */
export function rowAt(tops: Float64Array, y: number): number {
  const rows = tops.length - 1;
  let low = 0;
  let high = rows - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((tops[middle] as number) <= y) low = middle;
    else high = middle - 1;
  }
  return Math.max(0, low);
}

/** The rows `[start, end)` that cover the stretch `[from, to)` of the list. */
export function rowsCovering(tops: Float64Array, from: number, to: number): { start: number; end: number } {
  const rows = tops.length - 1;
  if (rows === 0) return { start: 0, end: 0 };
  return { start: rowAt(tops, from), end: Math.min(rows, rowAt(tops, to) + 1) };
}

/** The index of message `id` in `ids` (ascending), or -1. */
export function indexOfId(ids: readonly number[], id: number): number {
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = ids[middle] as number;
    if (found === id) return middle;
    if (found < id) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}
