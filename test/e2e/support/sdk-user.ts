/** A person on the Node SDK (as the CLI is), logged in to the e2e server with their certificate and SMS code. */
import { Messenger } from "../../../src/client/messenger.ts";
import { loadSigner } from "../../../src/client/signing.ts";
import { signatureVerifier } from "../../../src/client/verification.ts";
import type { CertchatServe, IssuedUser } from "./certchat-serve.ts";

/** `trustServerCertificates`: wrap keys for the certificates the server lists (to add, remove or rotate). */
export async function sdkLogIn(
  server: CertchatServe,
  user: IssuedUser,
  options: { trustServerCertificates?: boolean } = {},
): Promise<Messenger> {
  const signer = await loadSigner(server.readFile(user.certPath), server.readFile(user.keyPath));
  return Messenger.login({
    server: server.url,
    signer,
    verifier: signatureVerifier(),
    phone: `+${user.phone}`,
    askCode: async (phone) => server.lastCodeFor(phone.replace(/\D/g, "")) ?? "",
    ...options,
  });
}
