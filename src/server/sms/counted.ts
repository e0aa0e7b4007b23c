import type { SmsProvider } from "./provider.ts";

/** The provider, with each hand-over counted as sent or failed (metrics). */
export function countedSmsProvider(
  provider: SmsProvider,
  counters: { sent(): void; failed(): void },
): SmsProvider {
  return {
    description: provider.description,
    async send(message) {
      try {
        await provider.send(message);
      } catch (error) {
        counters.failed();
        throw error;
      }
      counters.sent();
    },
  };
}
