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
    process.stderr.write(`certchat: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
