/**
 * The CLI's identity pins (src/client/identity-pins.ts), in the `--home` folder: one file per pinned profile,
 * `pins/<server URL, percent-encoded>/<profile id>.json`, readable by the owner only. Every CLI command is a
 * session of its own, so without them each would take the server's word anew for whose certificate a profile is.
 * Commands may run side by side (`listen` and `send`): a pin is written to a temporary file and linked into place
 * only if none is there yet — never half-written, the first pin of a profile stays, and no lock is needed.
 * Personal chats' peers are kept beside them (chat-peer-pins.ts).
 */
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { IdentityPin, IdentityPins } from "../../client/identity-pins.ts";
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { forgetChatPeersOf, keepChatPeer, listChatPeers } from "./chat-peer-pins.ts";
import { errorCode, readEachFile, writeOnce } from "./write-once.ts";

const PIN_FILE = /^([1-9][0-9]{0,15})\.json$/;

/** A pin as its file holds it. */
interface StoredPin {
  identity: string;
  /** Base64 DER. */
  certificate: string;
  /** When this client pinned it (ISO 8601): shown by `certchat pins`. */
  since: string;
}

/** A pin with the time it was kept, as `certchat pins` lists them. */
export interface ListedPin extends IdentityPin {
  readonly since: string;
}

/** The folder of `server`'s pins in `home`. */
export function pinFolder(home: string, server: string): string {
  return join(home, "pins", encodeURIComponent(serverKey(server)));
}

/**
 * One spelling per server: the URL's scheme, host and port as URL parsing gives them (host lower-cased, the
 * default port dropped) and its path without a trailing slash — `http://HOST:80/` and `http://host` share pins.
 */
function serverKey(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return server;
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** A pin file's content, or a clear refusal: a damaged pin is never silently dropped (that would unpin). */
function readPin(path: string, pid: number, text: string): ListedPin {
  let stored: Partial<StoredPin> | undefined;
  try {
    stored = JSON.parse(text) as Partial<StoredPin>;
  } catch {}
  const certificate = typeof stored?.certificate === "string" ? decodeBase64(stored.certificate) : undefined;
  if (typeof stored?.identity !== "string" || !certificate || typeof stored.since !== "string")
    throw new Error(
      `${path} is not a pin file: repair it, or remove it to take profile ${pid}'s listed certificate afresh`,
    );
  return { pid, identity: stored.identity, certificate, since: stored.since };
}

/** The pins of `server` kept in `home`, oldest first. */
export async function listPins(home: string, server: string): Promise<ListedPin[]> {
  const pins = await readEachFile(pinFolder(home, server), PIN_FILE, (pid, path, text) =>
    readPin(path, Number(pid), text),
  );
  return pins.sort((a, b) => a.since.localeCompare(b.since) || a.pid - b.pid);
}

/**
 * The file of profile `pid`'s pin. The id comes from the server: one that is not a positive safe integer (a
 * string such as "/../../x") would name a file out of the folder.
 */
function pinPath(folder: string, pid: number): string {
  if (!Number.isSafeInteger(pid) || pid < 1)
    throw new Error(`${JSON.stringify(pid) ?? String(pid)} is not a profile id: no pin kept or dropped`);
  return join(folder, `${pid}.json`);
}

/** Writes a pin unless the profile has one; the pin that stands. */
async function keepPin(folder: string, pin: IdentityPin): Promise<IdentityPin> {
  const stored: StoredPin = {
    identity: pin.identity,
    certificate: encodeBase64(pin.certificate),
    since: new Date().toISOString(),
  };
  const path = pinPath(folder, pin.pid);
  if (await writeOnce(path, `${JSON.stringify(stored, null, 2)}\n`)) return pin;
  // Another command kept one first (since this session read `known`): that one stands.
  return readPin(path, pin.pid, await readFile(path, "utf8"));
}

/** The Messenger's pins for `server`, kept in `home` (a damaged pin file throws: nothing is silently unpinned). */
export async function pinFile(home: string, server: string): Promise<IdentityPins> {
  const folder = pinFolder(home, server);
  return {
    known: await listPins(home, server),
    keep: (pin) => keepPin(folder, pin),
    forget: async (pid) => {
      try {
        await unlink(pinPath(folder, pid));
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw error;
      }
      await forgetChatPeersOf(folder, pid);
    },
    chatPeers: await listChatPeers(folder),
    keepChatPeer: (pin) => keepChatPeer(folder, pin),
  };
}
