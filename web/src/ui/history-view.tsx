/**
 * The open chat's history, virtualised: only the rows within a screen of the view are in the page, the rest
 * stand in as padding of their measured (or estimated) height, so a chat of 10 000 messages scrolls like one of
 * 50. The reader's place is a message and its distance from the view's top, not a scroll offset: it stays put
 * while older pages are prepended and rows are measured, and at the bottom the view follows new messages.
 * Hand-written (docs/WEB.md "History in the page"): the libraries place rows by index and leave prepending to
 * the caller, which is the whole of what a chat needs from one.
 */
import type { ComponentChild, RefObject } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import { t } from "../i18n/index.ts";
import { indexOfId, RowHeights, rowAt, rowsCovering } from "./row-layout.ts";

/** Rows are rendered this many screens beyond the view on each side. */
const OVERSCAN_SCREENS = 1;
/** The rendered rows are re-chosen once the view gets this close (in screens) to their edge. */
const RECHOOSE_SCREENS = 0.5;
/** An older page is fetched when the view is within this many screens of the top. */
const LOAD_OLDER_SCREENS = 1;
/** Within this of the bottom the reader follows new messages. */
const AT_BOTTOM_PX = 40;

interface HistoryViewProps {
  messages: readonly ReadMessage[];
  /** The hints above the first row (loading older, start of the chat, empty). */
  header: ComponentChild;
  ownPid: number | undefined;
  renderRow(read: ReadMessage): ComponentChild;
  onNearTop(): void;
  /** The scrolled element, for those who watch it too (the read marker). */
  scroller: RefObject<HTMLDivElement>;
}

/** Where the reader is: following the latest, or message `id` with its top `offset` px below the view's top. */
interface ReaderPlace {
  follow: boolean;
  id: number;
  offset: number;
}

export function HistoryView({ messages, header, ownPid, renderRow, onNearTop, scroller }: HistoryViewProps) {
  const list = useRef<HTMLOListElement>(null);
  const heights = useMemo(() => new RowHeights(), []);
  const [, setRenders] = useState(0);
  const rerender = () => setRenders((renders) => renders + 1);
  const place = useRef<ReaderPlace>({ follow: true, id: 0, offset: 0 });
  const gap = useRef(0);
  /** The scroll offset the view was last put at by `restore`: its own scroll events leave the place as it is. */
  const restored = useRef(-1);
  const lastId = useRef(0);
  /** The stretch of the list (px) the rendered rows cover, and whether rows lie beyond it on either side. */
  const rendered = useRef({ top: 0, bottom: 0, moreAbove: false, moreBelow: false });
  const [away, setAway] = useState(false);

  const ids = useMemo(() => messages.map((read) => read.message.id), [messages]);
  const tops = heights.tops(ids, gap.current);
  const total = tops[ids.length] as number;
  const screen = scroller.current?.clientHeight || window.innerHeight;
  const anchorIndex = place.current.follow ? -1 : indexOfId(ids, place.current.id);
  const viewTop = anchorIndex < 0 ? total - screen : (tops[anchorIndex] as number) - place.current.offset;
  const { start, end } = rowsCovering(
    tops,
    viewTop - OVERSCAN_SCREENS * screen,
    viewTop + (1 + OVERSCAN_SCREENS) * screen,
  );
  rendered.current = {
    top: tops[start] as number,
    bottom: tops[end] as number,
    moreAbove: start > 0,
    moreBelow: end < ids.length,
  };

  /** Puts the reader's message back where it was (or the view at the bottom when following). */
  const restore = (element: HTMLElement, rows: HTMLElement) => {
    const now = heights.tops(ids, gap.current);
    const index = place.current.follow ? -1 : indexOfId(ids, place.current.id);
    if (index < 0) element.scrollTop = element.scrollHeight;
    else element.scrollTop = listTop(element, rows) + (now[index] as number) - place.current.offset;
    restored.current = element.scrollTop;
  };

  // Rows re-measured as they render, the reader's place restored before the page is painted. Sending a message
  // brings the view to it.
  useLayoutEffect(() => {
    const element = scroller.current;
    const rows = list.current;
    if (!element || !rows) return;
    gap.current = Number.parseFloat(getComputedStyle(rows).rowGap) || 0;
    const newest = messages.at(-1)?.message;
    if (newest && newest.id !== lastId.current && lastId.current !== 0 && newest.pid === ownPid)
      place.current = { ...place.current, follow: true };
    lastId.current = newest?.id ?? 0;
    const changed = measure(rows, heights);
    restore(element, rows);
    if (changed) rerender(); // the paddings and the chosen rows follow the new heights
  });

  // A row that changes height on its own (signature details opened) or a resized window re-measure the rows.
  useEffect(() => {
    const element = scroller.current;
    const rows = list.current;
    if (!element || !rows) return;
    let width = element.clientWidth;
    let height = element.clientHeight;
    const observer = new ResizeObserver(() => {
      const resized = element.clientWidth !== width || element.clientHeight !== height;
      width = element.clientWidth;
      height = element.clientHeight;
      if (measure(rows, heights) || resized) rerender();
    });
    observer.observe(element);
    const watchRows = new MutationObserver((changes) => {
      for (const change of changes) {
        for (const row of change.removedNodes) if (row instanceof Element) observer.unobserve(row);
        for (const row of change.addedNodes) if (row instanceof Element) observer.observe(row);
      }
    });
    watchRows.observe(rows, { childList: true });
    for (const row of rows.children) observer.observe(row);
    return () => {
      observer.disconnect();
      watchRows.disconnect();
    };
  }, [heights]);

  const onScroll = () => {
    const element = scroller.current;
    const rows = list.current;
    if (!element || !rows) return;
    const now = heights.tops(ids, gap.current);
    const top = element.scrollTop - listTop(element, rows);
    const below = element.scrollHeight - element.scrollTop - element.clientHeight;
    // Read back from a whole-pixel scroll offset, a place restored again and again would creep.
    if (element.scrollTop !== restored.current) {
      const index = rowAt(now, top);
      place.current = {
        follow: below < AT_BOTTOM_PX,
        id: ids[index] ?? 0,
        offset: (now[index] as number) - top,
      };
    }
    restored.current = -1;
    setAway(below > element.clientHeight);
    const margin = RECHOOSE_SCREENS * element.clientHeight;
    const shown = rendered.current;
    if (
      (shown.moreAbove && top - margin < shown.top) ||
      (shown.moreBelow && top + element.clientHeight + margin > shown.bottom)
    )
      rerender();
    if (element.scrollTop < LOAD_OLDER_SCREENS * element.clientHeight) onNearTop();
  };

  return (
    <>
      <div class="history" ref={scroller} onScroll={onScroll}>
        {header}
        <ol
          class="messages"
          ref={list}
          style={{
            paddingTop: `${tops[start]}px`,
            paddingBottom: `${total - (tops[end] as number)}px`,
          }}
        >
          {messages.slice(start, end).map(renderRow)}
        </ol>
      </div>
      {/* Outside the scrolled history, so reaching for it never scrolls (and so never moves) the history. */}
      {away && (
        <button
          type="button"
          class="to-latest"
          onClick={() => {
            place.current = { ...place.current, follow: true };
            setAway(false);
            rerender();
          }}
        >
          {t.chat.toLatest}
        </button>
      )}
    </>
  );
}

/**
 * Records the rendered rows' heights; whether any changed. Fractional, as laid out: offsetHeight's whole pixels
 * would misplace a row by the sum of the rounding of every row above it.
 */
function measure(rows: HTMLElement, heights: RowHeights): boolean {
  let changed = false;
  for (const row of rows.children) {
    const id = Number((row as HTMLElement).dataset.id);
    if (id) changed = heights.set(id, row.getBoundingClientRect().height) || changed;
  }
  return changed;
}

/** Where the list starts in the scrolled content (fractional, unlike offsetTop). */
function listTop(element: HTMLElement, rows: HTMLElement): number {
  return rows.getBoundingClientRect().top - element.getBoundingClientRect().top + element.scrollTop;
}
