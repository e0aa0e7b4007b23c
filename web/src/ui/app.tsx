/** The page's screens: login (with the phone/SMS step when the server asks), then the messenger. */
import { useCallback, useEffect, useState } from "preact/hooks";
import type { Messenger } from "../../../src/client/messenger.ts";
import { MessengerStore } from "../chat/store.ts";
import { LoginScreen } from "./login.tsx";
import { MessengerScreen } from "./messenger.tsx";

export function App() {
  const [store, setStore] = useState<MessengerStore>();
  /** Why the last session ended (expired, revoked), shown on the login screen. */
  const [ended, setEnded] = useState<string>();
  useEffect(() => () => store?.stop(), [store]);
  const logout = useCallback(
    (reason?: string) => {
      // The person logged out (no reason): the server ends the session, so the token is worthless even if it
      // leaked. Best effort: offline, the page forgets the token all the same.
      if (reason === undefined) void store?.messenger.api.logout().catch(() => undefined);
      store?.stop();
      setStore(undefined);
      setEnded(reason);
    },
    [store],
  );
  if (!store) {
    return (
      <LoginScreen
        notice={ended}
        onLoggedIn={(messenger: Messenger) => {
          setEnded(undefined);
          setStore(new MessengerStore(messenger));
        }}
      />
    );
  }
  return <MessengerScreen store={store} onLogout={logout} />;
}
