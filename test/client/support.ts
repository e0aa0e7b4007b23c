import { loadSigner, Messenger, signatureVerifier } from "../../src/client/index.ts";
import type { IssueAlgorithm } from "../../src/server/test-ca.ts";
import { issueUser, type TestServer } from "../support/server.ts";

let sequence = 0;

export interface SdkUser {
  messenger: Messenger;
  phone: string;
  name: string;
}

/** Issues a certificate of `alg` and logs in through the SDK, confirming a fresh phone with the SMS code. */
export async function sdkUser(server: TestServer, alg: IssueAlgorithm, name: string): Promise<SdkUser> {
  sequence += 1;
  const serial = String(process.pid % 100_000).padStart(5, "0") + String(sequence).padStart(6, "0");
  const phone = `7978${serial.slice(-7)}`;
  const user = await issueUser(server, { name, snils: serial, alg });
  const messenger = await Messenger.login({
    server: server.url,
    signer: await loadSigner(user.der, user.keyPem),
    verifier: signatureVerifier(),
    phone,
    askCode: async (asked) => server.sms.lastCodeFor(asked)?.code ?? "",
  });
  return { messenger, phone, name };
}
