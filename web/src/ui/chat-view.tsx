/**
 * The open chat: history (ui/history-view.tsx: virtualised, older pages loaded when scrolled near the top, the
 * reader's place kept, new messages followed at the bottom), each message with its signature mark; the composer
 * sends on Enter (Shift+Enter for a new line).
 */
import type { ComponentChild } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import type { MessengerState, MessengerStore, OpenChat, Transfer } from "../chat/store.ts";
import { t } from "../i18n/index.ts";
import { titleOf } from "./chat-list.tsx";
import { FileMessage } from "./file-message.tsx";
import { HistoryView } from "./history-view.tsx";
import { MembersPanel } from "./members.tsx";
import { Paperclip } from "./paperclip.tsx";
import { PeerPanel } from "./peer.tsx";
import { useReadMarker } from "./read-marker.ts";
import { SignatureMark } from "./signature.tsx";
import { SignatureDetails } from "./signature-details.tsx";

interface ChatViewProps {
  store: MessengerStore;
  state: MessengerState;
  open: OpenChat;
  onError(error: unknown): void;
}

export function ChatView({ store, state, open, onError }: ChatViewProps) {
  const entry = state.chats.find((candidate) => candidate.chatId === open.chatId);
  const scroller = useRef<HTMLDivElement>(null);
  useReadMarker(scroller, store, open);
  const [dropping, setDropping] = useState(false);
  const sendFiles = (files: FileList | null | undefined) => {
    for (const file of files ?? []) store.sendFile(open.chatId, file).catch(onError);
  };
  const transfers = state.transfers.filter((transfer) => transfer.chatId === open.chatId);

  return (
    <section
      class={`chat${dropping ? " dropping" : ""}`}
      aria-label={entry ? titleOf(entry) : ""}
      onDragOver={(event) => {
        event.preventDefault();
        setDropping(true);
      }}
      onDragLeave={() => setDropping(false)}
      onKeyDown={(event) => {
        // Escape leaves the chat (back to the list on a narrow screen).
        if (event.key === "Escape" && !event.defaultPrevented) store.closeChat();
      }}
      onDrop={(event) => {
        event.preventDefault();
        setDropping(false);
        sendFiles(event.dataTransfer?.files);
      }}
    >
      <header class="chat-header">
        <button type="button" class="back link" onClick={() => store.closeChat()} aria-label={t.chat.back}>
          ←
        </button>
        <h2>{entry ? titleOf(entry) : ""}</h2>
        {entry?.contact.chatType === 0 && (
          <button
            type="button"
            class="link"
            aria-expanded={state.peer === open.chatId}
            onClick={() => (state.peer === open.chatId ? store.hidePeer() : store.showPeer(open.chatId))}
          >
            {t.peer.open}
          </button>
        )}
        {entry && entry.contact.chatType !== 0 && (
          <button
            type="button"
            class="link"
            aria-expanded={state.members?.chatId === open.chatId}
            onClick={() =>
              state.members?.chatId === open.chatId
                ? store.hideMembers()
                : store.showMembers(open.chatId).catch(onError)
            }
          >
            {t.members.open}
          </button>
        )}
      </header>
      {state.peer === open.chatId && <PeerPanel store={store} chatId={open.chatId} />}
      {state.members?.chatId === open.chatId && (
        <MembersPanel
          store={store}
          chatId={open.chatId}
          data={state.members.data}
          ownPid={state.profile?.pid}
        />
      )}
      <HistoryView
        key={open.chatId}
        scroller={scroller}
        messages={open.messages}
        ownPid={state.profile?.pid}
        onNearTop={() => store.loadOlder().catch(onError)}
        header={
          <>
            {open.loadingOlder && <p class="hint center">{t.chat.loadingOlder}</p>}
            {open.reachedStart && open.messages.length > 0 && <p class="hint center">{t.chat.start}</p>}
            {!open.loadingOlder && open.messages.length === 0 && <p class="hint center">{t.chat.empty}</p>}
          </>
        }
        renderRow={(read) => (
          <MessageItem
            key={read.message.id}
            store={store}
            read={read}
            own={read.message.pid === state.profile?.pid}
            file={read.message.file ? <FileMessage store={store} read={read} onError={onError} /> : undefined}
          />
        )}
      />
      {dropping && <p class="drop-hint">{t.files.dropHere}</p>}
      <Transfers transfers={transfers} />
      <Composer onSend={(text) => store.sendText(open.chatId, text)} onFiles={sendFiles} onError={onError} />
    </section>
  );
}

const TIME = new Intl.DateTimeFormat("ru-RU", { dateStyle: "short", timeStyle: "short" });

function Transfers({ transfers }: { transfers: readonly Transfer[] }) {
  if (transfers.length === 0) return null;
  return (
    <ul class="transfers">
      {transfers.map((transfer) => (
        <li key={transfer.id}>
          <span>
            {transfer.direction === "upload"
              ? t.files.sending(transfer.name)
              : t.files.receiving(transfer.name)}
            : {t.files.phases[transfer.phase]}
          </span>
          <progress
            value={transfer.total > 0 ? transfer.done : undefined}
            max={transfer.total > 0 ? transfer.total : undefined}
          />
        </li>
      ))}
    </ul>
  );
}

interface MessageItemProps {
  store: MessengerStore;
  read: ReadMessage;
  own: boolean;
  file: ComponentChild;
}

function MessageItem({ store, read, own, file }: MessageItemProps) {
  const { message } = read;
  const [details, setDetails] = useState(false);
  return (
    <li class={`message${own ? " own" : ""}`} data-id={message.id}>
      <div class="meta">
        <span class="author">{own ? t.chat.you : message.user}</span>
        <time dateTime={new Date(message.time * 1000).toISOString()}>{TIME.format(message.time * 1000)}</time>
        <button
          type="button"
          class="link sig-button"
          aria-expanded={details}
          aria-label={t.details.title}
          onClick={() => setDetails(!details)}
        >
          <SignatureMark read={read} />
        </button>
      </div>
      {details && (
        <SignatureDetails
          read={read}
          der={store.certificateDer(message.cid)}
          onClose={() => setDetails(false)}
        />
      )}
      {file ?? (
        <p class={`text${read.text === null ? " undecryptable" : ""}`}>
          {read.text ?? t.errors.cannotDecrypt}
        </p>
      )}
    </li>
  );
}

interface ComposerProps {
  onSend(text: string): Promise<void>;
  onFiles(files: FileList | null | undefined): void;
  onError(error: unknown): void;
}

function Composer({ onSend, onFiles, onError }: ComposerProps) {
  const [text, setText] = useState("");
  const picker = useRef<HTMLInputElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  // A chat opens ready to type in, except where focusing would pop a touch keyboard over it.
  useEffect(() => {
    if (!window.matchMedia("(pointer: coarse)").matches) field.current?.focus();
  }, []);
  const [sending, setSending] = useState(false);
  const send = async () => {
    const body = text.trim();
    if (!body || sending) return;
    setSending(true);
    try {
      await onSend(body);
      setText("");
    } catch (error) {
      onError(error);
    } finally {
      setSending(false);
    }
  };
  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <input
        ref={picker}
        type="file"
        name="attach"
        multiple
        hidden
        onChange={(event) => {
          onFiles(event.currentTarget.files);
          event.currentTarget.value = "";
        }}
      />
      <button
        type="button"
        class="attach"
        title={t.files.attach}
        aria-label={t.files.attach}
        onClick={() => picker.current?.click()}
      >
        <Paperclip />
      </button>
      <textarea
        ref={field}
        name="message"
        rows={1}
        placeholder={t.chat.placeholder}
        aria-label={t.chat.placeholder}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey) {
            event.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit" disabled={sending || text.trim().length === 0}>
        {sending ? t.chat.sending : t.chat.send}
      </button>
    </form>
  );
}
