import { type CreateTableBuilder, type Kysely, type Migration, sql } from "kysely";
import { parseCertificate } from "../../../pki/certificate.ts";
import { keyAgreementGroup } from "../../../pki/key-agreement.ts";
import { columnTypes, type Dialect, withId } from "./column-types.ts";

/** Certificates parsed per step of the key_agreement backfill. */
const BACKFILL_BATCH = 500;

/**
 * Key epochs, wait lists and changing membership (docs/design/key-epochs-and-membership.md §2): a chat's current
 * epoch, every key row and message labelled with one, the certificates waiting for a key, and the triggers
 * that admit a message at commit only from a member allowed to post and under the current epoch.
 */
export function keyEpochsMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("chat_key_epochs")
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("key_id", types.bigint, (col) => col.notNull())
        .addColumn("after_message_id", types.bigint, (col) => col.notNull())
        .addColumn("created_by_profile_id", types.bigint, (col) => col.references("profiles.id"))
        .addColumn("reason", "text", (col) => col.notNull())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .addPrimaryKeyConstraint("chat_key_epochs_pk", ["chat_id", "key_id"])
        .execute();

      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await addColumn(db, "chats", "key_id", sql`bigint not null default 1`);
      await addColumn(db, "chats", "version", sql`bigint not null default 0`);
      await addColumn(db, "chats", "rotation_due", sql`integer not null default 0`);
      await addColumn(db, "chat_members", "visible_after_message_id", sql`bigint not null default 0`);
      await addColumn(db, "chat_members", "first_key_id", sql`bigint not null default 1`);
      await addColumn(db, "chat_members", "added_by_profile_id", sql`bigint null references profiles (id)`);
      await addColumn(db, "messages", "key_id", sql`bigint not null default 1`);
      await addColumn(db, "certificates", "key_agreement", sql`text null`);
      await db.schema
        .createIndex("chat_members_one_owner")
        .on("chat_members")
        .column("chat_id")
        .unique()
        .where(sql.ref("role"), "=", 2)
        .execute();

      await sql`insert into chat_key_epochs (chat_id, key_id, after_message_id, created_by_profile_id, reason, created_at)
        select id, 1, 0, null, 'migrate', created_at from chats`.execute(db);

      await createChatKeys(db, dialect, "chat_keys_v2", "current");
      await sql`insert into chat_keys_v2 (id, chat_id, key_id, profile_id, certificate_id, wrapped_by_certificate_id,
          wrapped_key, sign, created_at)
        select id, chat_id, 1, profile_id, certificate_id, wrapped_by_certificate_id, wrapped_key, null, created_at
        from chat_keys`.execute(db);
      await replaceChatKeys(db, dialect, "chat_keys_v2");

      await db.schema
        .createTable("chat_key_waits")
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("since", types.bigint, (col) => col.notNull())
        .addPrimaryKeyConstraint("chat_key_waits_pk", ["chat_id", "certificate_id"])
        .execute();

      await backfillKeyAgreement(db);
      // Today's renewed users (key: null in their chat list) go on the wait lists at once.
      const now = Date.now();
      await sql`insert into chat_key_waits (chat_id, certificate_id, profile_id, since)
        select m.chat_id, c.id, c.profile_id, ${now}
        from chat_members m join certificates c on c.profile_id = m.profile_id
        where c.not_after > ${now} and c.revoked_at is null
          and not exists (select 1 from chat_keys k
                          where k.chat_id = m.chat_id and k.certificate_id = c.id and k.key_id = 1)`.execute(
        db,
      );

      await createAdmissionTriggers(db, dialect);
    },

    async down(db: Kysely<unknown>) {
      if (dialect === "sqlite") {
        await sql`drop trigger messages_admit_member`.execute(db);
        await sql`drop trigger messages_admit_key`.execute(db);
      } else {
        await sql`drop trigger messages_admit on messages`.execute(db);
        await sql`drop function messages_admit()`.execute(db);
      }
      await db.schema.dropTable("chat_key_waits").execute();

      // Back to one key per (chat, certificate): the current epoch's.
      await createChatKeys(db, dialect, "chat_keys_v1", "single");
      await sql`insert into chat_keys_v1 (id, chat_id, profile_id, certificate_id, wrapped_by_certificate_id,
          wrapped_key, created_at)
        select k.id, k.chat_id, k.profile_id, k.certificate_id, k.wrapped_by_certificate_id, k.wrapped_key, k.created_at
        from chat_keys k join chats c on c.id = k.chat_id and c.key_id = k.key_id`.execute(db);
      await replaceChatKeys(db, dialect, "chat_keys_v1");
      await db.schema.dropTable("chat_key_epochs").execute();

      await db.schema.dropIndex("chat_members_one_owner").execute();
      const added: [string, string][] = [
        ["certificates", "key_agreement"],
        ["messages", "key_id"],
        ["chat_members", "added_by_profile_id"],
        ["chat_members", "first_key_id"],
        ["chat_members", "visible_after_message_id"],
        ["chats", "rotation_due"],
        ["chats", "version"],
        ["chats", "key_id"],
      ];
      for (const [table, column] of added) await db.schema.alterTable(table).dropColumn(column).execute();
    },
  };
}

async function addColumn(
  db: Kysely<unknown>,
  table: string,
  column: string,
  definition: ReturnType<typeof sql>,
) {
  await sql`alter table ${sql.table(table)} add column ${sql.ref(column)} ${definition}`.execute(db);
}

/**
 * chat_keys under another name: "current" is the epoch-aware table, "single" the table of 0002 (one key per
 * chat and certificate). SQLite cannot drop a table constraint, so both directions rebuild the table.
 */
async function createChatKeys(
  db: Kysely<unknown>,
  dialect: Dialect,
  name: string,
  shape: "current" | "single",
): Promise<void> {
  const types = columnTypes(dialect);
  let table: CreateTableBuilder<string, string> = withId(dialect, db.schema.createTable(name)).addColumn(
    "chat_id",
    "text",
    (col) => col.notNull().references("chats.id"),
  );
  if (shape === "current") table = table.addColumn("key_id", types.bigint, (col) => col.notNull());
  table = table
    .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
    .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
    .addColumn("wrapped_by_certificate_id", types.bigint, (col) =>
      col.notNull().references("certificates.id"),
    )
    .addColumn("wrapped_key", types.blob, (col) => col.notNull());
  if (shape === "current") table = table.addColumn("sign", "text");
  table = table.addColumn("created_at", types.bigint, (col) => col.notNull());
  table =
    shape === "current"
      ? table
          .addUniqueConstraint("chat_keys_chat_certificate_key", ["chat_id", "certificate_id", "key_id"])
          .addForeignKeyConstraint("chat_keys_epoch", ["chat_id", "key_id"], "chat_key_epochs", [
            "chat_id",
            "key_id",
          ])
      : table.addUniqueConstraint("chat_keys_chat_certificate", ["chat_id", "certificate_id"]);
  await table.execute();
}

/** Drops chat_keys and gives `rebuilt` its name; the id sequence continues after the copied ids. */
async function replaceChatKeys(db: Kysely<unknown>, dialect: Dialect, rebuilt: string): Promise<void> {
  await db.schema.dropTable("chat_keys").execute();
  await db.schema.alterTable(rebuilt).renameTo("chat_keys").execute();
  if (dialect === "postgres") {
    await sql`alter index ${sql.id(`${rebuilt}_pkey`)} rename to chat_keys_pkey`.execute(db);
    await sql`alter sequence ${sql.id(`${rebuilt}_id_seq`)} rename to chat_keys_id_seq`.execute(db);
    await sql`select setval('chat_keys_id_seq', coalesce((select max(id) from chat_keys), 0) + 1, false)`.execute(
      db,
    );
  }
}

/** certificates.key_agreement from each stored DER, a batch at a time (a DER that does not parse stays null). */
async function backfillKeyAgreement(db: Kysely<unknown>): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number | string; der: Uint8Array }>`
      select id, der from certificates where id > ${after} order by id limit ${BACKFILL_BATCH}`.execute(db);
    for (const row of rows) {
      const group = groupOfDer(new Uint8Array(row.der));
      if (group !== null)
        await sql`update certificates set key_agreement = ${group} where id = ${Number(row.id)}`.execute(db);
    }
    const last = rows.at(-1);
    if (!last || rows.length < BACKFILL_BATCH) return;
    after = Number(last.id);
  }
}

function groupOfDer(der: Uint8Array): string | null {
  try {
    return keyAgreementGroup(parseCertificate(der));
  } catch {
    return null;
  }
}

/**
 * The admission rule (design D2): a message is stored only from a member allowed to post (a channel's
 * admins and owner) and under the chat's current epoch. On PostgreSQL the chat row is read FOR SHARE, which
 * waits for a membership change holding the row (lockChat) and sees its outcome.
 */
async function createAdmissionTriggers(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === "sqlite") {
    // The writer thread's IMMEDIATE transaction makes these serial with every membership change.
    await sql`create trigger messages_admit_member before insert on messages
      when not exists (select 1 from chat_members m join chats c on c.id = m.chat_id
                       where m.chat_id = new.chat_id and m.profile_id = new.profile_id
                         and (c.type <> 2 or m.role >= 1))
      begin select raise(abort, 'certchat:not-member'); end`.execute(db);
    await sql`create trigger messages_admit_key before insert on messages
      when new.key_id is not (select key_id from chats where id = new.chat_id)
      begin select raise(abort, 'certchat:stale-key'); end`.execute(db);
    return;
  }
  await sql`create function messages_admit() returns trigger language plpgsql as $$
    declare chat record;
    begin
      select type, key_id into chat from chats where id = new.chat_id for share;
      if not exists (select 1 from chat_members where chat_id = new.chat_id and profile_id = new.profile_id
                     and (chat.type <> 2 or role >= 1)) then
        raise exception 'certchat:not-member' using errcode = 'P0001';
      end if;
      if new.key_id is distinct from chat.key_id then
        raise exception 'certchat:stale-key' using errcode = 'P0001';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger messages_admit before insert on messages
    for each row execute function messages_admit()`.execute(db);
}
