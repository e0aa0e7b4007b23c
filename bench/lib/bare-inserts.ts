import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import type { StorageTarget } from "../../src/server/storage/database.ts";

/** Rows per PostgreSQL INSERT: 12 columns each stay under its 65535 bind parameters. */
const PG_CHUNK = 2000;

type Row = Record<string, unknown>;

/** A stored message of `chat` without its id and localId: the row the baseline inserts again and again. */
function templateOf(row: Row | undefined): Row {
  if (!row) throw new Error("no message to copy for the baseline");
  const { id: _id, ...fields } = row;
  return { ...fields, local_id: null };
}

/**
 * SQLite: one prepared statement run `count` times in one transaction, with the server's durability settings
 * (WAL, synchronous=FULL) — the fastest better-sqlite3 allows. Returns rows per second.
 */
function sqliteInserts(file: string, chat: string, count: number): number {
  const db = new SqliteDatabase(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    const row = templateOf(db.prepare("SELECT * FROM messages WHERE chat_id = ? LIMIT 1").get(chat) as Row);
    const columns = Object.keys(row);
    const insert = db.prepare(
      `INSERT INTO messages (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    );
    const values = Object.values(row);
    const start = performance.now();
    db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(values);
    })();
    return count / ((performance.now() - start) / 1000);
  } finally {
    db.close();
  }
}

/** PostgreSQL: multi-row INSERTs of PG_CHUNK rows in one transaction on one connection. Rows per second. */
async function postgresInserts(url: string, chat: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query("SELECT * FROM messages WHERE chat_id = $1 LIMIT 1", [chat]);
    const row = templateOf(found.rows[0] as Row | undefined);
    const columns = Object.keys(row);
    const values = Object.values(row);
    const statement = (rows: number) =>
      `INSERT INTO messages (${columns.join(", ")}) VALUES ${Array.from(
        { length: rows },
        (_, r) => `(${columns.map((_c, c) => `$${r * columns.length + c + 1}`).join(", ")})`,
      ).join(", ")}`;
    const full = statement(PG_CHUNK);
    const start = performance.now();
    await client.query("BEGIN");
    for (let done = 0; done < count; done += PG_CHUNK) {
      const rows = Math.min(PG_CHUNK, count - done);
      const params = Array.from({ length: rows }, () => values).flat();
      await client.query(rows === PG_CHUNK ? full : statement(rows), params);
    }
    await client.query("COMMIT");
    return count / ((performance.now() - start) / 1000);
  } finally {
    await client.end();
  }
}

/** Bare inserts per second of `count` copies of a message of `chat`, straight into a stopped server's table. */
export function bareInserts(target: StorageTarget, chat: string, count: number): Promise<number> {
  return target.kind === "sqlite"
    ? Promise.resolve(sqliteInserts(target.file, chat, count))
    : postgresInserts(target.url, chat, count);
}
