/**
 * A file message: "Скачать" downloads and decrypts it in the page and checks its CMS signature; a verified file
 * is saved at once, any other verdict is shown and the file is saved only when the person asks.
 */
import { useState } from "preact/hooks";
import type { DownloadedFile, ReadMessage } from "../../../src/client/messenger.ts";
import type { MessengerStore } from "../chat/store.ts";
import { t } from "../i18n/index.ts";
import { safeFileName } from "./file-name.ts";
import { Paperclip } from "./paperclip.tsx";
import { saveFile } from "./save-file.ts";
import { SignatureMark } from "./signature.tsx";

export function FileMessage(props: {
  store: MessengerStore;
  read: ReadMessage;
  onError(error: unknown): void;
}) {
  const { read, store } = props;
  const name = safeFileName(read.text ?? read.message.file);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<DownloadedFile>();
  const save = (file: DownloadedFile) =>
    saveFile(new Uint8Array(file.content), file.name === null ? name : safeFileName(file.name));

  const download = async () => {
    setBusy(true);
    try {
      const file = await store.downloadFile(read.message, name);
      setResult(file);
      if (file.signature === "verified") save(file);
    } catch (error) {
      props.onError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="file">
      <span class="file-name">
        <Paperclip /> {name}
      </span>
      <button type="button" class="small" disabled={busy} onClick={download}>
        {busy ? t.files.downloading : t.files.download}
      </button>
      {result && (
        <p class="file-verdict" role="status">
          <SignatureMark
            read={{
              ...read,
              signature: result.signature,
              ...(result.problem ? { problem: result.problem } : {}),
            }}
          />
          {result.signature === "verified" ? t.files.saved : t.files.notSaved}
          {result.signature !== "verified" && (
            <button type="button" class="link" onClick={() => save(result)}>
              {t.files.saveAnyway}
            </button>
          )}
        </p>
      )}
    </div>
  );
}
