import { useEffect, useState } from "preact/hooks";
import type { MessengerState, MessengerStore } from "../chat/store.ts";

/** The store's state, re-rendering the component on every change. */
export function useMessengerState(store: MessengerStore): MessengerState {
  const [state, setState] = useState(store.state);
  useEffect(() => {
    setState(store.state);
    return store.subscribe(() => setState(store.state));
  }, [store]);
  return state;
}
