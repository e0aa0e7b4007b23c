/** Hands decrypted bytes to the browser as a download (a blob: URL, revoked once the click is dispatched). */
export function saveFile(content: Uint8Array<ArrayBuffer>, name: string): void {
  const url = URL.createObjectURL(new Blob([content]));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
