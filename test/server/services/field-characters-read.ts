import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from "kysely";

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
