/** The chat list, most recent first, with each chat's last message (decrypted here) and unread count; phone search on top. */
import { useState } from "preact/hooks";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { ChatEntry, MessengerState } from "../chat/store.ts";
import { describeError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ErrorLine } from "./error-line.tsx";
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
  return (
    <nav class="chats" aria-label={t.chats.title}>
      <PhoneSearch onLookUp={onLookUp} onStart={onStart} />
      <NewGroupForm onCreate={onCreateGroup} />
      {state.loaded && state.chats.length === 0 && <p class="hint pad">{t.chats.empty}</p>}
      <ul>
        {state.chats.map((entry) => (
          <li key={entry.chatId}>
            <button
              type="button"
              class={`chat-item${state.open?.chatId === entry.chatId ? " active" : ""}`}
              onClick={() => onOpen(entry.chatId)}
            >
              <span class="chat-title">
                <span class="name">{titleOf(entry)}</span>
                {entry.unread > 0 && (
                  <span class="unread" title={t.chats.unread(entry.unread)}>
                    {entry.unread}
                  </span>
                )}
              </span>
              <span class="preview">{previewOf(entry.preview)}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
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
      {preview.message.file ? `${t.chats.file}: ${text}` : text}
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
