import type { Logger } from "pino";
import type { SmsProvider } from "./provider.ts";

/** The embedded default: the code goes to the server log, for trying certchat on one machine. */
export class ConsoleSmsProvider implements SmsProvider {
  readonly description = "console (codes are written to the log)";

  constructor(private readonly logger: Logger) {}

  async send(message: { phone: string; code: string }): Promise<void> {
    this.logger.info(
      { phone: message.phone, code: message.code },
      `SMS code for +${message.phone}: ${message.code}`,
    );
  }
}
