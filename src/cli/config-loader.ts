import { CertchatApiError } from "../client/api.ts";
import { type Config, ConfigError, loadConfig, readEnvFile } from "../server/config.ts";

/** The configuration from `--config FILE` (if given) overlaid by the process environment. */
export function configFrom(configFile: string | undefined): Config {
  const fromFile = configFile ? readEnvFile(configFile) : {};
  return loadConfig({ ...fromFile, ...process.env });
}

/** Runs a command body; a configuration error prints one line naming the variable and exits with 2. */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`certchat: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof CertchatApiError) {
      process.stderr.write(`certchat: ${error.code}: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`certchat: ${withCauses(error)}\n`);
    process.exit(1);
  }
}

/** An error's message and its causes' ("no key for epoch 1 …: the server lists under profile 2 …"). */
function withCauses(error: unknown): string {
  const messages: string[] = [];
  for (let at: unknown = error; at !== undefined && messages.length < 5; ) {
    messages.push(at instanceof Error ? at.message : String(at));
    at = at instanceof Error ? at.cause : undefined;
  }
  return messages.join(": ");
}
