/**
 * A group's or channel's members: each with its role and its certificates' key status, the wait list (and
 * whether a member able to pass the key on exists), adding people by phone with the history choice, removing,
 * roles, handing ownership over, leaving. What the caller may do follows the roles table of docs/API.md.
 */
import { useState } from "preact/hooks";
import type { HistoryChoice } from "../../../src/client/membership.ts";
import type { ChatMember, ChatMembersData } from "../../../src/protocol/schemas/members.ts";
import type { MessengerStore } from "../chat/store.ts";
import { describeError, UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ConfirmDialog, type ConfirmDialogProps } from "./confirm-dialog.tsx";
import { ErrorLine } from "./error-line.tsx";
import { formatPhone } from "./phone.ts";

interface MembersPanelProps {
  store: MessengerStore;
  chatId: string;
  data: ChatMembersData | undefined;
  ownPid: number | undefined;
}

export function MembersPanel({ store, chatId, data, ownPid }: MembersPanelProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** The destructive action waiting for the person's answer. */
  const [confirming, setConfirming] = useState<Omit<ConfirmDialogProps, "onCancel">>();
  const ask = (question: string, action: string, work: () => Promise<void>) =>
    setConfirming({
      question,
      action,
      onConfirm: () => {
        setConfirming(undefined);
        void act(work);
      },
    });
  const act = async (work: () => Promise<void>) => {
    setError(undefined);
    setBusy(true);
    try {
      await work();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  const own = data?.members.find((member) => member.pid === ownPid);
  const nameOf = (pid: number) => data?.members.find((member) => member.pid === pid)?.user ?? String(pid);
  const chat = store.state.chats.find((entry) => entry.chatId === chatId);
  const chatName = chat?.contact.chatName ?? chat?.contact.user ?? "";
  return (
    <aside class="members" aria-label={t.members.title}>
      <header class="row">
        <h3>{t.members.title}</h3>
        <button type="button" class="link" onClick={() => store.hideMembers()}>
          {t.members.close}
        </button>
      </header>
      <ErrorLine message={error} />
      {!data || !own ? (
        <p class="hint">{t.members.loading}</p>
      ) : (
        <>
          <ul class="member-list">
            {data.members.map((member) => (
              <MemberRow
                key={member.pid}
                member={member}
                self={member.pid === ownPid}
                callerRole={own.role}
                busy={busy}
                onRemove={() =>
                  ask(t.confirm.remove(member.user, chatName), t.confirm.removeAction, () =>
                    store.removeMember(chatId, member.pid),
                  )
                }
                onRole={(role) =>
                  role === "owner"
                    ? ask(t.confirm.handOver(member.user, chatName), t.confirm.handOverAction, () =>
                        store.setRole(chatId, member.pid, role),
                      )
                    : act(() => store.setRole(chatId, member.pid, role))
                }
              />
            ))}
          </ul>
          {data.waitList.length > 0 && (
            <section class="wait-list" aria-label={t.members.waitTitle}>
              <h4>{t.members.waitTitle}</h4>
              <ul>
                {data.waitList.map((entry) => (
                  <li key={entry.cid} data-fulfillable={entry.fulfillable}>
                    {t.members.waitEntry(nameOf(entry.pid), entry.cid)}:{" "}
                    {entry.fulfillable ? t.members.waitFulfillable : t.members.waitNotFulfillable}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {own.role !== "member" && (
            <AddMembers
              busy={busy}
              onAdd={(phones, history) => act(() => store.addMembers(chatId, phones, history))}
            />
          )}
          {own.role === "owner" ? (
            <p class="hint">{t.members.ownerMustHandOver}</p>
          ) : (
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() => ask(t.confirm.leave(chatName), t.confirm.leaveAction, () => store.leave(chatId))}
            >
              {t.members.leave}
            </button>
          )}
        </>
      )}
      {confirming && <ConfirmDialog {...confirming} onCancel={() => setConfirming(undefined)} />}
    </aside>
  );
}

interface MemberRowProps {
  member: ChatMember;
  self: boolean;
  callerRole: ChatMember["role"];
  busy: boolean;
  onRemove(): void;
  onRole(role: ChatMember["role"]): void;
}

function MemberRow({ member, self, callerRole, busy, onRemove, onRole }: MemberRowProps) {
  const mayRemove = !self && (callerRole === "owner" || (callerRole === "admin" && member.role === "member"));
  const mayChangeRole = !self && callerRole === "owner";
  return (
    <li class="member" data-pid={member.pid}>
      <span class="name">
        {member.user}
        {self && ` (${t.members.you})`}
      </span>{" "}
      <span class="role" data-role={member.role}>
        {t.members.roles[member.role]}
      </span>
      <span class="hint phone"> {formatPhone(member.phone)}</span>
      <ul class="certificates">
        {member.certificates.map((certificate) => (
          <li key={certificate.id} data-has-key={certificate.hasKey}>
            {t.members.certificate(certificate.id)}:{" "}
            {certificate.hasKey ? t.members.hasKey : t.members.waitsKey}
          </li>
        ))}
      </ul>
      <div class="row actions">
        {mayChangeRole && member.role === "member" && (
          <button type="button" class="link" disabled={busy} onClick={() => onRole("admin")}>
            {t.members.promote}
          </button>
        )}
        {mayChangeRole && member.role === "admin" && (
          <button type="button" class="link" disabled={busy} onClick={() => onRole("member")}>
            {t.members.demote}
          </button>
        )}
        {mayChangeRole && (
          <button type="button" class="link" disabled={busy} onClick={() => onRole("owner")}>
            {t.members.makeOwner}
          </button>
        )}
        {mayRemove && (
          <button type="button" class="link danger" disabled={busy} onClick={onRemove}>
            {t.members.remove}
          </button>
        )}
      </div>
    </li>
  );
}

function AddMembers({
  busy,
  onAdd,
}: {
  busy: boolean;
  onAdd(phones: string[], history: HistoryChoice): void;
}) {
  const [phones, setPhones] = useState("");
  const [history, setHistory] = useState<HistoryChoice>("now");
  const [error, setError] = useState<string>();
  return (
    <form
      class="add-members"
      aria-label={t.members.addTitle}
      onSubmit={(event) => {
        event.preventDefault();
        const list = phones
          .split(/[,;\n]/)
          .map((phone) => phone.trim())
          .filter(Boolean);
        if (list.length === 0) {
          setError(describeError(new UserFacingError(t.groups.needMembers)));
          return;
        }
        setError(undefined);
        onAdd(list, history);
        setPhones("");
      }}
    >
      <h4>{t.members.addTitle}</h4>
      <label>
        {t.members.addPhones}
        <input
          type="text"
          name="add-phones"
          value={phones}
          onInput={(event) => setPhones(event.currentTarget.value)}
        />
      </label>
      <label class="check">
        <input
          type="radio"
          name="add-history"
          checked={history === "now"}
          onChange={() => setHistory("now")}
        />
        {t.members.historyNow}
      </label>
      <label class="check">
        <input
          type="radio"
          name="add-history"
          checked={history === "all"}
          onChange={() => setHistory("all")}
        />
        {t.members.historyAll}
      </label>
      <button type="submit" disabled={busy}>
        {busy ? t.members.adding : t.members.add}
      </button>
      <ErrorLine message={error} />
    </form>
  );
}
