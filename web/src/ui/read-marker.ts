/**
 * Marks the open chat read when the person sees its bottom: the history (which always holds the latest
 * message) is scrolled to its end, and the tab is visible. Checked after every change of the open chat, on scroll, and
 * when the tab comes back into view.
 */
import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import type { MessengerStore, OpenChat } from "../chat/store.ts";

/** How close to the end of the history counts as seeing its bottom. */
const AT_BOTTOM_PX = 40;

export function useReadMarker(scroller: RefObject<HTMLElement>, store: MessengerStore, open: OpenChat): void {
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const check = () => {
      const last = open.messages.at(-1)?.message.id;
      if (last === undefined || document.visibilityState !== "visible") return;
      if (element.scrollHeight - element.scrollTop - element.clientHeight > AT_BOTTOM_PX) return;
      store.markRead(open.chatId, last);
    };
    check();
    element.addEventListener("scroll", check, { passive: true });
    document.addEventListener("visibilitychange", check);
    return () => {
      element.removeEventListener("scroll", check);
      document.removeEventListener("visibilitychange", check);
    };
  }, [scroller, store, open]);
}
