/** The messenger: the chat list with the phone search on the left, the open chat on the right (one at a time below 720 px). */
import { useEffect, useState } from "preact/hooks";
import { CertchatApiError } from "../../../src/client/api.ts";
import type { MessengerStore } from "../chat/store.ts";
import { describeError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ChatList } from "./chat-list.tsx";
import { ChatView } from "./chat-view.tsx";
import { ErrorLine } from "./error-line.tsx";
import { ProfilePanel } from "./profile.tsx";
import { useMessengerState } from "./use-store.ts";

/** API errors after which the session cannot go on: back to the login screen with the sentence. */
const SESSION_ENDED: ReadonlySet<string> = new Set([
  "SessionExpired",
  "NeedAuthentication",
  "CertificateExpired",
  "InvalidCertificate",
]);

export function MessengerScreen({
  store,
  onLogout,
}: {
  store: MessengerStore;
  onLogout(reason?: string): void;
}) {
  const state = useMessengerState(store);
  const [error, setErrorLine] = useState<string>();
  const setError = (message: string | undefined, failure?: unknown) => {
    if (failure instanceof CertchatApiError && SESSION_ENDED.has(failure.code)) onLogout(message);
    else setErrorLine(message);
  };
  useEffect(() => {
    if (state.ended) onLogout(t.apiErrors[state.ended]);
  }, [state.ended, onLogout]);
  // A failure seen while offline is history once the connection is back.
  useEffect(() => {
    if (state.connection === "online") setErrorLine(undefined);
  }, [state.connection]);
  const unread = state.chats.reduce((sum, entry) => sum + entry.unread, 0);
  useEffect(() => {
    document.title = t.chats.documentTitle(unread);
  }, [unread]);
  useEffect(
    () => () => {
      document.title = t.appName;
    },
    [],
  );
  const [showProfile, setShowProfile] = useState(false);
  useEffect(() => {
    store.start().catch((failure: unknown) => setError(describeError(failure), failure));
  }, [store]);

  const report = (work: Promise<unknown>) => {
    setError(undefined);
    work.catch((failure: unknown) => setError(describeError(failure), failure));
  };

  return (
    <div class={`messenger${state.open ? " has-open" : ""}`}>
      <header class="topbar">
        <span class="brand">{t.appName}</span>
        <button type="button" class="link who" onClick={() => setShowProfile(!showProfile)}>
          {state.profile?.name ?? ""}
        </button>
        <button type="button" class="link" onClick={() => onLogout()}>
          {t.chats.logout}
        </button>
      </header>
      {state.connection === "offline" && (
        <div class="banner" role="status">
          {t.connection.offline}
        </div>
      )}
      <ErrorLine message={error} />
      {state.notice && (
        <div class="notice failure" role="status" key={state.notice.id}>
          {state.notice.text}{" "}
          <button type="button" class="link" onClick={() => store.dismissNotice()}>
            {t.notice.dismiss}
          </button>
        </div>
      )}
      {state.removed && (
        <div class="notice" role="status">
          {t.removed[state.removed.reason](state.removed.name)}{" "}
          <button type="button" class="link" onClick={() => store.dismissRemoved()}>
            {t.removed.dismiss}
          </button>
        </div>
      )}
      {showProfile && state.profile && (
        <ProfilePanel profile={state.profile} onClose={() => setShowProfile(false)} />
      )}
      <div class="panes">
        <ChatList
          state={state}
          onOpen={(chatId) => report(store.openChat(chatId))}
          onLookUp={(phone) => store.lookUp(phone)}
          onStart={(phone) => report(store.startChat(phone))}
          onCreateGroup={(name, phones, channel) => store.createGroup(name, phones, channel)}
        />
        {state.open ? (
          <ChatView
            key={state.open.chatId}
            store={store}
            state={state}
            open={state.open}
            onError={(failure) => setError(describeError(failure), failure)}
          />
        ) : (
          <section class="chat placeholder">
            <p>{t.chat.choose}</p>
          </section>
        )}
      </div>
    </div>
  );
}
