import type { Kysely } from "kysely";
import type { Database } from "../schema.ts";

/** The database or an open transaction: every repository function runs on either. */
export type Executor = Kysely<Database>;
