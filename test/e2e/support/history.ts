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
    for (;;) {
      // To the top, until the oldest message held is the first row (the view may still be settling).
      do {
        history.scrollTop = 0;
        const now = await new Promise<number>(requestAnimationFrame);
        frames.push(now - last);
        last = now;
        mostRows = Math.max(mostRows, history.querySelectorAll(".message").length);
      } while (list.style.paddingTop !== "0px");
      const started = Array.from(history.querySelectorAll(".hint")).some(
        (hint) => hint.textContent === "Начало переписки",
      );
      if (started) break;
      const first = history.querySelector<HTMLElement>(".message");
      if (!first) throw new Error("no message rows");
      const id = Number(first.dataset.id);
      const topBefore = first.getBoundingClientRect().top - view.top;
      // Left there (the scroll there asked for the page before) until that page is above it, or there is none.
      for (;;) {
        const now = await new Promise<number>(requestAnimationFrame);
        frames.push(now - last);
        last = now;
        mostRows = Math.max(mostRows, history.querySelectorAll(".message").length);
        const rows = history.querySelectorAll<HTMLElement>(".message");
        if (Number(rows[0]?.dataset.id) < id) break;
        if (
          Array.from(history.querySelectorAll(".hint")).some(
            (hint) => hint.textContent === "Начало переписки",
          )
        )
          break;
      }
      const row = history.querySelector(`.message[data-id="${id}"]`);
      const firstNow = Number(history.querySelector<HTMLElement>(".message")?.dataset.id);
      if (!(firstNow < id)) break;
      pages.push({ id, topBefore, topAfter: row ? row.getBoundingClientRect().top - view.top : Number.NaN });
    }
    return { pages, mostRows, frames, ms: performance.now() - start };
  });
}
