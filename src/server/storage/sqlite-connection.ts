import SqliteDatabase from "better-sqlite3";

/**
 * A connection to the SQLite database file, as both the main connection and the writer thread's open it:
 * WAL, so reads go on while the other connection commits; synchronous=FULL, so every acknowledged commit
 * survives power loss, not only a process crash; foreign keys; a wait for the other connection's lock.
 */
export function openSqliteConnection(file: string): SqliteDatabase.Database {
  const connection = new SqliteDatabase(file);
  connection.pragma("journal_mode = WAL");
  connection.pragma("synchronous = FULL");
  connection.pragma("foreign_keys = ON");
  connection.pragma("busy_timeout = 5000");
  return connection;
}
