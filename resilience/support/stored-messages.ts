import pg from "pg";
import { messageText } from "./load-clients.ts";

export interface StoredCheck {
  /** Rows in the messages table. */
  stored: number;
  /** Acknowledged sends with no row under the acked id and text. */
  missing: number;
  /** Rows beyond the first of one logical send (same text, or same session, chat and localId). */
  duplicates: number;
}

/** Checks the database against the acks: each acked id stored with its send's text, no send stored twice. */
export async function checkStored(databaseUrl: string, acked: Map<number, number>): Promise<StoredCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; data: string; retry_key: string | null }>(
      "select id, data, session_id || '/' || chat_id || '/' || local_id as retry_key from messages",
    );
    const textById = new Map(rows.map((row) => [Number(row.id), row.data]));
    let missing = 0;
    for (const [localId, id] of acked) if (textById.get(id) !== messageText(localId)) missing += 1;
    const texts = new Set(rows.map((row) => row.data));
    const keyed = rows.filter((row) => row.retry_key !== null);
    const keys = new Set(keyed.map((row) => row.retry_key));
    return {
      stored: rows.length,
      missing,
      duplicates: rows.length - texts.size + (keyed.length - keys.size),
    };
  } finally {
    await client.end();
  }
}
