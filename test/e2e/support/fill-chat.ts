/**
 * A long chat in seconds: every message is real (encrypted under the chat's key and signed by the writer's SDK,
 * `Messenger.prepareText`, so the page decrypts and verifies each), but all except the first and the last go
 * straight into the server's SQLite database in one transaction instead of one request each. The first is sent
 * over the API to make the row the rest copy their sender, session and key epoch from; the last is sent over
 * the API too, so the chat's preview and the live watch see the newest message as a reader would.
 */
import SqliteDatabase from "better-sqlite3";
import type { Messenger } from "../../../src/client/messenger.ts";

/** Sends `texts` (in order) to `chatId` as the messenger's user, the middle ones inserted into `sqliteFile`. */
export async function fillChat(
  messenger: Messenger,
  chatId: string,
  sqliteFile: string,
  texts: readonly string[],
): Promise<void> {
  const first = texts[0];
  const last = texts.at(-1);
  if (first === undefined || last === undefined || texts.length < 2)
    throw new Error("fillChat needs two texts at least");
  const template = await messenger.sendText(chatId, first);
  const middle: Awaited<ReturnType<Messenger["prepareText"]>>[] = [];
  for (const text of texts.slice(1, -1)) middle.push(await messenger.prepareText(chatId, text));
  const db = new SqliteDatabase(sqliteFile);
  try {
    db.pragma("busy_timeout = 10000");
    const { id: _id, ...row } = db.prepare("SELECT * FROM messages WHERE id = ?").get(template.id) as Record<
      string,
      unknown
    >;
    const columns = Object.keys(row);
    const insert = db.prepare(
      `INSERT INTO messages (${columns.join(", ")}) VALUES (${columns.map((column) => `@${column}`).join(", ")})`,
    );
    db.transaction(() => {
      for (const payload of middle)
        insert.run({ ...row, local_id: null, data: payload.text, sign: payload.sign });
    })();
  } finally {
    db.close();
  }
  await messenger.sendText(chatId, last);
}

/** "Сообщение №1." … "Сообщение №count.": texts a test can find by number. */
export function numberedTexts(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `Сообщение №${index + 1}.`);
}
