import { join } from "node:path";
import { loadSigner, Messenger, type Signer, signatureVerifier } from "../../src/client/index.ts";
import { createTestCa, type IssueAlgorithm, issueTestCertificate } from "../../src/server/test-ca.ts";
import { issueUser, type TestServer } from "../support/server.ts";

let sequence = 0;

export interface SdkUser {
  messenger: Messenger;
  phone: string;
  name: string;
  /** The SNILS its certificate carries: a renewal issues another certificate with the same one. */
  snils: string;
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
  return { messenger, phone, name, snils: serial };
}

/**
 * Signers of `alg` issued by a throwaway test CA in `dir` (one CA per directory), for SDK unit tests that need
 * real certificates and keys but no server.
 */
export function testSigners(dir: () => Promise<string>): (alg: IssueAlgorithm) => Promise<Signer> {
  let ca: Promise<string> | undefined;
  return async (alg) => {
    ca ??= dir().then(async (root) => {
      await createTestCa(join(root, "ca"), { alg: "ecdsa-p256" });
      return join(root, "ca");
    });
    const issued = await issueTestCertificate(await ca, { name: "Сидоров Сидор Сидорович", alg });
    return loadSigner(issued.der, issued.keyPem);
  };
}
