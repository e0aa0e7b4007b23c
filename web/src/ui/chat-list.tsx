/**
 * The chat list, most recent first, with each chat's last message (decrypted here) and unread count; phone search
 * on top. Keyboard: a listbox with one tab stop, ↑/↓/Home/End between chats, Enter (or Space) opens one.
 */
import { memo } from "preact/compat";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import { HISTORY_PAGE_SIZE } from "../../../src/protocol/schemas/messages.ts";
import type { ChatEntry, MessengerState } from "../chat/store.ts";
import { describeError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ErrorLine } from "./error-line.tsx";
import { safeFileName } from "./file-name.ts";
import { NewGroupForm } from "./new-group.tsx";
import { SignatureMark } from "./signature.tsx";

interface ChatListProps {
  state: MessengerState;
  onOpen(chatId: string): void;
  onLookUp(phone: string): Promise<Contact[]>;
  onStart(phone: string): void;
  onCreateGroup(name: string, phones: string[], channel: boolean): Promise<void>;
}

export function ChatList({ state, onOpen, onLookUp, onStart, onCreateGroup }: ChatListProps) {
  const list = useRef<HTMLDivElement>(null);
  /** The chat the list's single tab stop is on (roving tabindex): the last one focused, else the open one. */
  const [current, setCurrent] = useState<string>();
  const openId = state.open?.chatId;
  const tabStop =
    [current, openId].find((chatId) => state.chats.some((entry) => entry.chatId === chatId)) ??
    state.chats[0]?.chatId;

  // When the open chat closes (Escape, "back") focus returns to its item, unless it already went elsewhere.
  const wasOpen = useRef<string>();
  useEffect(() => {
    const closed = wasOpen.current;
    wasOpen.current = openId;
    if (!closed || openId || document.activeElement !== document.body) return;
    list.current?.querySelector<HTMLElement>(`[data-chat-id="${CSS.escape(closed)}"]`)?.focus();
  }, [openId]);

  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>("[role=option]") ?? [])];
    const at = items.indexOf(event.currentTarget as HTMLElement);
    if (at < 0) return;
    const target = keyTarget(event.key, at, items.length);
    if (target !== undefined) {
      event.preventDefault();
      items[target]?.focus();
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const chatId = items[at]?.dataset.chatId;
      if (chatId) onOpen(chatId);
    }
  };

  const handlers = useRef<ItemHandlers>({ onOpen, onFocus: setCurrent, onKeyDown });
  handlers.current = { onOpen, onFocus: setCurrent, onKeyDown };

  return (
    <nav class="chats" aria-label={t.chats.title}>
      <PhoneSearch onLookUp={onLookUp} onStart={onStart} />
      <NewGroupForm onCreate={onCreateGroup} />
      {state.loaded && state.chats.length === 0 && <p class="hint pad">{t.chats.empty}</p>}
      {/* A listbox: one tab stop, ↑/↓/Home/End move between chats, Enter opens the one focused. */}
      <div ref={list} role="listbox" class="chat-options" aria-label={t.chats.title}>
        {state.chats.map((entry) => (
          <ChatItem
            key={entry.chatId}
            entry={entry}
            active={openId === entry.chatId}
            tabStop={entry.chatId === tabStop}
            handlers={handlers}
          />
        ))}
      </div>
    </nav>
  );
}

interface ItemHandlers {
  onOpen(chatId: string): void;
  onFocus(chatId: string): void;
  onKeyDown(event: KeyboardEvent): void;
}

/**
 * One chat of the list. Memoised, its handlers read through a ref that never changes: as the previews of a long
 * list come in, only the items whose entry changed are rendered again.
 */
const ChatItem = memo(function ChatItem({
  entry,
  active,
  tabStop,
  handlers,
}: {
  entry: ChatEntry;
  active: boolean;
  tabStop: boolean;
  handlers: { readonly current: ItemHandlers };
}) {
  return (
    <div
      role="option"
      data-chat-id={entry.chatId}
      aria-selected={active}
      tabIndex={tabStop ? 0 : -1}
      class={`chat-item${active ? " active" : ""}`}
      onClick={() => handlers.current.onOpen(entry.chatId)}
      onFocus={() => handlers.current.onFocus(entry.chatId)}
      onKeyDown={(event) => handlers.current.onKeyDown(event)}
    >
      <span class="chat-title">
        <span class="name">{titleOf(entry)}</span>
        {entry.unread > 0 && (
          <span class="unread" title={t.chats.unread(entry.unread)}>
            {entry.unread >= HISTORY_PAGE_SIZE ? `${HISTORY_PAGE_SIZE}+` : entry.unread}
          </span>
        )}
      </span>
      {entry.previewStatus === "pending" ? (
        <span class="preview pending">{t.chats.previewLoading}</span>
      ) : entry.previewStatus === "failed" && !entry.preview ? (
        <span class="preview failed">{t.chats.previewFailed}</span>
      ) : (
        <span class="preview">{previewOf(entry.preview)}</span>
      )}
    </div>
  );
});

/** Where ↑/↓/Home/End move from item `at` of `count`; undefined for other keys. */
function keyTarget(key: string, at: number, count: number): number | undefined {
  if (key === "ArrowDown") return Math.min(at + 1, count - 1);
  if (key === "ArrowUp") return Math.max(at - 1, 0);
  if (key === "Home") return 0;
  if (key === "End") return count - 1;
  return undefined;
}

export function titleOf(entry: ChatEntry): string {
  const { contact } = entry;
  if (contact.chatType === 1) return `${t.chats.group}: ${contact.chatName ?? ""}`;
  if (contact.chatType === 2) return `${t.chats.channel}: ${contact.chatName ?? ""}`;
  return contact.user;
}

function previewOf(preview: ReadMessage | undefined) {
  if (!preview) return t.chats.noPreview;
  const text = preview.text ?? t.errors.cannotDecrypt;
  return (
    <>
      <SignatureMark read={preview} compact />
      {preview.message.file ? `${t.chats.file}: ${preview.text === null ? text : safeFileName(text)}` : text}
    </>
  );
}

function PhoneSearch({ onLookUp, onStart }: Pick<ChatListProps, "onLookUp" | "onStart">) {
  const [phone, setPhone] = useState("");
  const [found, setFound] = useState<Contact[]>();
  const [error, setError] = useState<string>();
  return (
    <form
      class="search"
      onSubmit={(event) => {
        event.preventDefault();
        setError(undefined);
        onLookUp(phone).then(
          (contacts) => {
            setFound(contacts);
            if (contacts.length === 0) setError(t.errors.nobodyWithPhone);
          },
          (failure: unknown) => setError(describeError(failure)),
        );
      }}
    >
      <div class="row">
        <input
          type="tel"
          name="search-phone"
          placeholder={t.chats.searchPlaceholder}
          aria-label={t.chats.searchPlaceholder}
          value={phone}
          onInput={(event) => setPhone(event.currentTarget.value)}
        />
        <button type="submit" disabled={phone.trim().length === 0}>
          {t.chats.search}
        </button>
      </div>
      {found?.map((contact) => (
        <div class="found" key={contact.pid}>
          <span>
            {contact.user}
            {contact.name !== contact.user && <span class="hint"> · {contact.name}</span>}
          </span>
          <button
            type="button"
            onClick={() => {
              setFound(undefined);
              setPhone("");
              onStart(contact.phone);
            }}
          >
            {contact.chatId ? t.chats.openChat : t.chats.startChat}
          </button>
        </div>
      ))}
      <ErrorLine message={error} />
    </form>
  );
}
