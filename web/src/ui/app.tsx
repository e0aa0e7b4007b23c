/** The page's screens: login (with the phone/SMS step when the server asks), then the messenger. */
import { useEffect, useState } from "preact/hooks";
import type { Messenger } from "../../../src/client/messenger.ts";
import { MessengerStore } from "../chat/store.ts";
import { LoginScreen } from "./login.tsx";
import { MessengerScreen } from "./messenger.tsx";

export function App() {
  const [store, setStore] = useState<MessengerStore>();
  useEffect(() => () => store?.stop(), [store]);
  if (!store)
    return <LoginScreen onLoggedIn={(messenger: Messenger) => setStore(new MessengerStore(messenger))} />;
  return (
    <MessengerScreen
      store={store}
      onLogout={() => {
        store.stop();
        setStore(undefined);
      }}
    />
  );
}
