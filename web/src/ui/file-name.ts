/**
 * A file name as another member sent it, made safe to show and to save under. Bidirectional controls go: with
 * U+202E (right-to-left override) "invoice\u202Efdp.exe" shows as "invoiceexe.pdf" in the page and in the
 * browser's download bar, and is saved as an .exe. Other control characters go too, path separators become
 * "_" (a name is never a path), and a name left empty is "file".
 */
const HIDDEN = /[\p{Cc}\p{Bidi_Control}]/gu;
const SEPARATORS = /[/\\]/g;
/** Most file systems take 255 bytes; 120 characters leave room for multi-byte ones. */
const MAX_CHARACTERS = 120;

export function safeFileName(name: string | null | undefined): string {
  const plain = (name ?? "").replace(HIDDEN, "").replace(SEPARATORS, "_").trim();
  const cut = [...plain].slice(0, MAX_CHARACTERS).join("");
  return cut === "" || cut === "." || cut === ".." ? "file" : cut;
}
