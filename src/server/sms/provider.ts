/** Delivers a confirmation code to a phone. Throws if the message could not be handed over. */
export interface SmsProvider {
  readonly description: string;
  send(message: { phone: string; code: string; text: string }): Promise<void>;
}
