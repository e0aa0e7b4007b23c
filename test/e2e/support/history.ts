/** The open chat's history as a reader scrolls it (web/src/ui/history-view.tsx renders only rows near the view). */
import type { Page } from "@playwright/test";

/** One older page as the reader saw it come: the message that was first, and its top before and after. */
export interface PageArrival {
  readonly id: number;
  readonly topBefore: number;
  readonly topAfter: number;
}

export interface HeldAtTop {
  readonly pages: readonly PageArrival[];
  /** The most message rows in the page at any frame on the way. */
  readonly mostRows: number;
  /** Every frame's interval (ms) on the way. */
  readonly frames: readonly number[];
  readonly ms: number;
}

/**
 * Holds the history at its top, as a reader dragging the scrollbar up does, until the chat's first message is
 * loaded: each older page loads in turn. Runs in the page, frame by frame (one round trip for all the pages).
 * Before each page the view is at the top with the oldest message held rendered first (the list's top padding,
 * which stands for rows not rendered, is 0); tops are relative to the history's view.
 */
export function holdAtTop(page: Page): Promise<HeldAtTop> {
  // No named functions inside: under tsx (bench/web.ts) esbuild would wrap them in a helper the page lacks.
  return page.locator(".history").evaluate(async (history) => {
    const list = history.querySelector<HTMLElement>(".messages");
    if (!list) throw new Error("no history");
    const view = history.getBoundingClientRect();
    const pages: { id: number; topBefore: number; topAfter: number }[] = [];
    const frames: number[] = [];
    let mostRows = 0;
    let last = performance.now();
    const start = last;
    let phase: "settle" | "wait" = "settle";
    for (;;) {
      const rows = history.querySelectorAll<HTMLElement>(".message");
      const firstId = Number(rows[0]?.dataset.id);
      const started = Array.from(history.querySelectorAll(".hint")).some(
        (hint) => hint.textContent === "Начало переписки",
      );
      const waiting = pages.at(-1);
      if (phase === "settle" && list.style.paddingTop === "0px") {
        // At the top with the oldest message held first: wait for the page before it (or for the start).
        if (started) break;
        const topBefore = (rows[0] as HTMLElement).getBoundingClientRect().top - view.top;
        pages.push({ id: firstId, topBefore, topAfter: Number.NaN });
        phase = "wait";
      } else if (phase === "wait" && waiting && (firstId < waiting.id || started)) {
        if (firstId >= waiting.id) {
          pages.pop();
          break;
        }
        const row = history.querySelector(`.message[data-id="${waiting.id}"]`);
        pages[pages.length - 1] = {
          ...waiting,
          topAfter: row ? row.getBoundingClientRect().top - view.top : Number.NaN,
        };
        phase = "settle";
        continue;
      }
      history.scrollTop = 0;
      const now = await new Promise<number>(requestAnimationFrame);
      frames.push(now - last);
      last = now;
      mostRows = Math.max(mostRows, history.querySelectorAll(".message").length);
    }
    return { pages, mostRows, frames, ms: performance.now() - start };
  });
}
