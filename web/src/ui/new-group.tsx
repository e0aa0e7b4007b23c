/** Creating a group or a channel: a name, the members' phones, and which of the two. */
import { useState } from "preact/hooks";
import { describeError, UserFacingError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ErrorLine } from "./error-line.tsx";

export function NewGroupForm(props: {
  onCreate(name: string, phones: string[], channel: boolean): Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [phones, setPhones] = useState("");
  const [channel, setChannel] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  if (!open) {
    return (
      <button type="button" class="link new-group" onClick={() => setOpen(true)}>
        + {t.groups.create}
      </button>
    );
  }
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setBusy(true);
    try {
      const list = phones
        .split(/[,;\n]/)
        .map((phone) => phone.trim())
        .filter(Boolean);
      if (!name.trim()) throw new UserFacingError(t.groups.needName);
      if (list.length === 0) throw new UserFacingError(t.groups.needMembers);
      await props.onCreate(name.trim(), list, channel);
      setOpen(false);
      setName("");
      setPhones("");
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="new-group-form" onSubmit={submit} aria-label={t.groups.title}>
      <label>
        {t.groups.name}
        <input
          type="text"
          name="group-name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
      </label>
      <label>
        {t.groups.members}
        <textarea
          name="group-members"
          rows={2}
          value={phones}
          onInput={(event) => setPhones(event.currentTarget.value)}
        />
      </label>
      <label class="check">
        <input type="radio" name="group-kind" checked={!channel} onChange={() => setChannel(false)} />
        {t.groups.kindGroup}
      </label>
      <label class="check">
        <input type="radio" name="group-kind" checked={channel} onChange={() => setChannel(true)} />
        {t.groups.kindChannel}
      </label>
      <div class="row">
        <button type="submit" disabled={busy}>
          {t.groups.submit}
        </button>
        <button type="button" class="link" onClick={() => setOpen(false)}>
          {t.groups.cancel}
        </button>
      </div>
      <ErrorLine message={error} />
    </form>
  );
}
