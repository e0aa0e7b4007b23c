import type { SmsProvider } from "./provider.ts";

/** POSTs `{"phone", "code", "text"}` as JSON to a gateway; anything but a 2xx in time is a failure. */
export class HttpSmsProvider implements SmsProvider {
  readonly description: string;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.description = `http ${new URL(url).origin}`;
  }

  async send(message: { phone: string; code: string; text: string }): Promise<void> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`SMS gateway answered HTTP ${response.status}`);
  }
}
