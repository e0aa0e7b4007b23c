import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { planChatCreation } from "../../src/client/chat-creation.ts";
import { signCommitment } from "../../src/client/crypto/epoch-commitment.ts";
import { createBinding, signKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import {
  loadSigner,
  Messenger,
  type Signer,
  signatureVerifier,
  wrapChatKeyFor,
} from "../../src/client/index.ts";
import { decodeCertificateText, parseCertificate } from "../../src/pki/certificate.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import { decodeBase64, encodeBase64 } from "../../src/protocol/base64.ts";
import {
  CA_CERT_FILE,
  createTestCa,
  type IssueAlgorithm,
  issueTestCertificate,
} from "../../src/server/test-ca.ts";
import { testCaDir } from "../../src/server/trust-setup.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUser, startTestServer, type TestServer, type TestUser } from "../support/server.ts";

/**
 * The trust anchors of a client of `server`: its test CA (the one `issueUser` issues from), marked qualified as the
 * server marks it (src/server/trust-setup.ts), so a SNILS keeps its profile's identity across renewals.
 */
export async function serverAnchors(server: Pick<TestServer, "dataDir">): Promise<TrustInput> {
  return caAnchors(testCaDir(server.dataDir), true);
}

/** The CA of `caDir` as a client's only anchor, marked qualified (its SNILS count) or not. */
export async function caAnchors(caDir: string, qualified: boolean): Promise<TrustInput> {
  const anchor = parseCertificate(decodeCertificateText(await readFile(join(caDir, CA_CERT_FILE))));
  return { anchors: [anchor.der], qualified: qualified ? [anchor.fingerprint] : [] };
}

let sequence = 0;

export interface SdkUser {
  messenger: Messenger;
  phone: string;
  name: string;
  /** The SNILS its certificate carries: a renewal issues another certificate with the same one. */
  snils: string;
}

/** Logs in through the SDK with `user`'s certificate, trusting the server's test CA, confirming `phone` by SMS. */
export async function loginAs(server: TestServer, user: TestUser, phone: string): Promise<Messenger> {
  return Messenger.login({
    server: server.url,
    signer: await loadSigner(user.der, user.keyPem),
    verifier: signatureVerifier(),
    trust: await serverAnchors(server),
    phone,
    askCode: async (asked) => server.sms.lastCodeFor(asked)?.code ?? "",
  });
}

/** Issues a certificate of `alg` and logs in through the SDK, confirming a fresh phone with the SMS code. */
export async function sdkUser(server: TestServer, alg: IssueAlgorithm, name: string): Promise<SdkUser> {
  sequence += 1;
  const serial = String(process.pid % 100_000).padStart(5, "0") + String(sequence).padStart(6, "0");
  const phone = `7978${serial.slice(-7)}`;
  const user = await issueUser(server, { name, snils: serial, alg });
  const messenger = await loginAs(server, user, phone);
  return { messenger, phone, name, snils: serial };
}

/** A server cutting history pages at 20 KiB (a few large messages overflow one answer) and two users of it. */
export interface PagedChat {
  server: TestServer;
  sender: SdkUser;
  listener: SdkUser;
}

export async function pagedChat(): Promise<PagedChat> {
  const server = await startTestServer({ env: { ...chatServerEnv, CERTCHAT_MAX_PAGE_BYTES: "20KiB" } });
  return {
    server,
    sender: await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович"),
    listener: await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна"),
  };
}

/**
 * Signers of `alg` issued by a throwaway test CA in `dir` (one CA per directory; named `caName`, else as every
 * test CA is), for SDK unit tests that need real certificates and keys but no server.
 */
export function testSigners(dir: () => Promise<string>, caName?: string): TestSigners {
  let ca: Promise<string> | undefined;
  const caDir = () => {
    ca ??= dir().then(async (root) => {
      await createTestCa(join(root, "ca"), { alg: "ecdsa-p256", ...(caName ? { name: caName } : {}) });
      return join(root, "ca");
    });
    return ca;
  };
  let snils = 0;
  const signerOf = async (alg: IssueAlgorithm, options: SignerOptions = {}) => {
    snils += 1;
    const issued = await issueTestCertificate(await caDir(), {
      name: options.name ?? "Сидоров Сидор Сидорович",
      alg,
      ...(options.organisation ?? { snils: options.snils ?? String(snils).padStart(11, "0") }),
      ...(options.notBefore ? { notBefore: options.notBefore } : {}),
      ...(options.notAfter ? { notAfter: options.notAfter } : {}),
    });
    return loadSigner(issued.der, issued.keyPem);
  };
  return Object.assign(signerOf, {
    anchors: async (options: { qualified?: boolean } = {}) =>
      caAnchors(await caDir(), options.qualified ?? true),
  });
}

/** A test signer's SNILS (its own unless given) and validity (the test CA's default unless given). */
export interface SignerOptions {
  snils?: string;
  name?: string;
  /** An organisation's employee: its INN and OGRN, and no SNILS. */
  organisation?: { inn: string; ogrn: string };
  notBefore?: Date;
  notAfter?: Date;
}

/**
 * Signers of one test CA, each with its own SNILS unless given; `anchors` trusts that CA, marked qualified unless
 * `qualified: false` (then its certificates' identities are their DNs, not their SNILS).
 */
export interface TestSigners {
  (alg: IssueAlgorithm, options?: SignerOptions): Promise<Signer>;
  anchors(options?: { qualified?: boolean }): Promise<TrustInput>;
}

/** `count` new groups of `owner` with `member` in them (named `${name} ${i}`); their chat ids. */
export async function groupsWith(
  owner: SdkUser,
  member: SdkUser,
  count: number,
  name: string,
): Promise<string[]> {
  const chats: string[] = [];
  for (let i = 0; i < count; i++)
    chats.push((await owner.messenger.createGroup(`${name} ${i}`, [member.phone])).chatId as string);
  return chats;
}

/**
 * The personal chat of `creator` with `peer` as this SDK created one before the pair binding (docs/CRYPTO.md
 * "Binding a personal chat to its two members"): epoch-1 rows and commitment signed over the chat's type and name
 * only, alike in every personal chat the creator made. Returns its id.
 */
export async function legacyPersonalChat(creator: SdkUser, peer: SdkUser): Promise<string> {
  const { messenger } = creator;
  const signer = messenger.signer;
  const holders = [await messenger.profile(), ...(await messenger.lookUp([peer.phone]))];
  const certificates = holders.flatMap((holder) =>
    holder.certificates.map((certificate) => ({
      pid: holder.pid,
      cid: certificate.id,
      der: decodeBase64(certificate.cert) ?? new Uint8Array(),
    })),
  );
  const { chatKey, recipients } = planChatCreation(
    holders.map((holder) => holder.pid),
    certificates,
    signer,
  );
  const binding = createBinding(0, null);
  const keys = [];
  for (const { pid, cid, der } of recipients) {
    const wrappedKey = await wrapChatKeyFor({
      chatKey,
      recipientCertificate: der,
      ...(signer.ownKey.kind === "gost" ? { senderKey: signer.ownKey } : {}),
    });
    const sign = await signKeyRow(signer, { chatId: binding, keyId: 1, cid, wrappedKey });
    keys.push({ pid, cid, key: encodeBase64(wrappedKey), sign });
  }
  const commitment = await signCommitment(signer, { binding, keyId: 1 }, chatKey);
  const created = await messenger.api.createChat({ type: 0, keys, commitment });
  return created.chatId as string;
}
