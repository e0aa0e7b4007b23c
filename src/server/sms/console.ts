import type { Logger } from "pino";
import type { SmsProvider } from "./provider.ts";

/**
 * The embedded default, for trying certchat on one machine. Codes go to the log at debug level only (an
 * info-level log is shipped and kept); with the test CA in use (no real users) each code is also printed on
 * the server's terminal, `SMS code for +79991234567: 123456`, which the README's demos read.
 */
export class ConsoleSmsProvider implements SmsProvider {
  readonly description: string;

  constructor(
    private readonly logger: Logger,
    /** Where codes are shown besides the debug log; absent on a server trusting real CAs. */
    private readonly terminal?: (line: string) => void,
  ) {
    this.description = terminal
      ? "console (codes printed on this terminal: test CA)"
      : "console (codes in the log at debug level only)";
  }

  async send(message: { phone: string; code: string }): Promise<void> {
    const line = `SMS code for +${message.phone}: ${message.code}`;
    this.logger.debug({ phone: message.phone, code: message.code }, line);
    this.terminal?.(line);
  }
}
