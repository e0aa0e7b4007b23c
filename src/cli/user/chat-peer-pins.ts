/**
 * Personal chats' peers (IdentityPins.chatPeers) beside the CLI's identity pins: `<pins folder>/chats/<chat id in
 * hex>.json`, `{ pid, since }`. The chat id is the server's: hex keeps any of it inside the folder.
 */
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ChatPeerPin } from "../../client/identity-pins.ts";
import { errorCode, readEachFile, writeOnce } from "./write-once.ts";

/** At most 128 bytes of chat id (honest ones are UUIDs): 256 hex digits fit every file system's name. */
const CHAT_FILE = /^((?:[0-9a-f]{2}){1,128})\.json$/;
const MAX_CHAT_ID_BYTES = 128;

function chatFolder(folder: string): string {
  return join(folder, "chats");
}

function chatPath(folder: string, chatId: string): string {
  const bytes = typeof chatId === "string" ? Buffer.from(chatId, "utf8") : Buffer.alloc(0);
  if (bytes.length === 0 || bytes.length > MAX_CHAT_ID_BYTES)
    throw new Error(`${JSON.stringify(chatId)} is not a chat id: its peer is not pinned`);
  return join(chatFolder(folder), `${bytes.toString("hex")}.json`);
}

function isProfileId(pid: unknown): pid is number {
  return typeof pid === "number" && Number.isSafeInteger(pid) && pid >= 1;
}

/** A chat pin file's content, or a clear refusal (never silently dropped: that would unpin). */
function readChatPeer(path: string, chatId: string, text: string): ChatPeerPin {
  let stored: { pid?: unknown } | undefined;
  try {
    stored = JSON.parse(text) as { pid?: unknown };
  } catch {}
  if (!isProfileId(stored?.pid))
    throw new Error(
      `${path} is not a pin file: repair it, or remove it to take chat ${chatId}'s listed peer afresh`,
    );
  return { chatId, pid: stored.pid };
}

/** The personal chats' peers kept in `folder` (a damaged file throws: nothing is silently unpinned). */
export function listChatPeers(folder: string): Promise<ChatPeerPin[]> {
  return readEachFile(chatFolder(folder), CHAT_FILE, (hex, path, text) =>
    readChatPeer(path, Buffer.from(hex, "hex").toString("utf8"), text),
  );
}

/** Keeps a personal chat's peer unless the chat has one pinned; the pin that stands. */
export async function keepChatPeer(folder: string, pin: ChatPeerPin): Promise<ChatPeerPin> {
  if (!isProfileId(pin.pid)) throw new Error(`${JSON.stringify(pin.pid)} is not a profile id: no pin kept`);
  const stored = { pid: pin.pid, since: new Date().toISOString() };
  const path = chatPath(folder, pin.chatId);
  if (await writeOnce(path, `${JSON.stringify(stored, null, 2)}\n`)) return pin;
  // Another command pinned the chat first (since this session read the pins): that one stands.
  return readChatPeer(path, pin.chatId, await readFile(path, "utf8"));
}

/** Drops the personal chats pinned with profile `pid` (its pin is forgotten: the user accepted a change). */
export async function forgetChatPeersOf(folder: string, pid: number): Promise<void> {
  for (const pin of await listChatPeers(folder))
    if (pin.pid === pid)
      await unlink(chatPath(folder, pin.chatId)).catch((error: unknown) => {
        if (errorCode(error) !== "ENOENT") throw error;
      });
}
