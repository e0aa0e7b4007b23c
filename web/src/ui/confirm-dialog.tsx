/**
 * A question before a destructive action, in a modal `<dialog>`: the browser keeps focus inside it and makes
 * the page behind inert; Cancel is focused first, so Enter or Escape never does the harm by accident.
 */
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n/index.ts";

export interface ConfirmDialogProps {
  question: string;
  action: string;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({ question, action, onConfirm, onCancel }: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    cancel.current?.focus();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      class="confirm"
      aria-labelledby="confirm-question"
      // Escape closes the dialog natively: that is a Cancel (closing it on unmount repeats one harmlessly).
      onClose={onCancel}
      onKeyDown={(event) => {
        // Escape here answers the dialog; it must not also leave the chat behind it.
        if (event.key === "Escape") event.stopPropagation();
      }}
    >
      <p id="confirm-question">{question}</p>
      <div class="row actions">
        <button ref={cancel} type="button" class="secondary" onClick={onCancel}>
          {t.confirm.cancel}
        </button>
        <button type="button" class="destructive" onClick={onConfirm}>
          {action}
        </button>
      </div>
    </dialog>
  );
}
