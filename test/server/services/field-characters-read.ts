import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";
import type { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import { MessageService } from "../../../src/server/services/messages.ts";
import type { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import type { Database } from "../../../src/server/storage/schema.ts";
import { now } from "../storage/repositories/fixtures.ts";
import { silent } from "./membership-fixtures.ts";

/** Counts the characters of ciphertexts and signatures (data, sign, cms) that reach the process from the database. */
export class FieldCharactersRead implements KyselyPlugin {
  characters = 0;

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of args.result.rows)
      for (const field of ["data", "sign", "cms"])
        if (typeof row[field] === "string") this.characters += (row[field] as string).length;
    return args.result;
  }
}

/** The page budget of the read-counting tests, and a message's ciphertext and signature: two fit it, three do not. */
export const BUDGET = 20_000;
export const CMS = "A".repeat(8_000);
export const MESSAGE_CHARACTERS = "AAAA".length + CMS.length;

/** A MessageService whose reads go through `plugin` (a FieldCharactersRead), with a page budget of BUDGET. */
export function serviceReading(
  db: Kysely<Database>,
  plugin: KyselyPlugin,
  deps: { blobs: FileSystemBlobStore; writer: MessageWriter },
): MessageService {
  return new MessageService({
    db: db.withPlugin(plugin),
    blobs: deps.blobs,
    writer: deps.writer,
    publisher: { publish() {} },
    rights: new ChatRights(db),
    clock: () => now,
    logger: silent,
    maxTextBytes: 1024,
    maxFileBytes: 1024,
    maxCmsBytes: 16_384,
    maxPageBytes: BUDGET,
  });
}
