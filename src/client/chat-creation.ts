/**
 * Which certificates a new chat's first key is wrapped for (createChat; docs/SDK.md "Chat keys"). Every given
 * certificate gets a row except those this session cannot wrap the key for (`wrapRefusal`: a GOST certificate
 * of another key-agreement group, or any GOST certificate when this session's key is not GOST): the server
 * needs no row for them and puts them on the chat's wait list for a member who can (docs/API.md createChat).
 * The server makes members of the profiles the rows name, so a profile left without a row fails here, before
 * anything is sent. A failure while wrapping is not a reason to skip: it is thrown by the caller's wrap.
 */
import {
  type ChatKey,
  certificatePublicKey,
  chooseScheme,
  generateChatKey,
  type OwnKey,
} from "./crypto/index.ts";
import { wrapRefusal } from "./key-fulfilment.ts";
import { RowCoverage } from "./row-coverage.ts";

/** A member's certificate: its profile, its id and its DER. */
export interface CreationCertificate {
  readonly pid: number;
  readonly cid: number;
  readonly der: Uint8Array;
}

export interface ChatCreationPlan {
  /** Epoch 1's key: GOST when any certificate is GOST (the Android client's blob holds nothing else). */
  readonly chatKey: ChatKey;
  /** The certificates to wrap `chatKey` for. */
  readonly recipients: readonly CreationCertificate[];
  /** Certificates this session cannot wrap for: no row, they start on the chat's wait list. */
  readonly waiting: readonly CreationCertificate[];
}

/**
 * The key and its recipients among `certificates` for a chat of the profiles `pids` (the creator's included).
 * Throws, naming them, when a profile is left with no certificate to wrap for; and for a certificate whose key
 * algorithm no chat key can be wrapped for at all (P-521, RSA-PSS: `chooseScheme`), since the server needs a
 * row for every such certificate of a member.
 */
export function planChatCreation(
  pids: readonly number[],
  certificates: readonly CreationCertificate[],
  own: { readonly certificate: Uint8Array; readonly ownKey: OwnKey },
): ChatCreationPlan {
  const anyGost = certificates.some(({ der }) => chooseScheme(certificatePublicKey(der)).startsWith("gost"));
  const chatKey = generateChatKey(anyGost ? "gost28147-cfb" : "aes-256-gcm");
  const recipients: CreationCertificate[] = [];
  const waiting: CreationCertificate[] = [];
  const coverage = new RowCoverage();
  for (const certificate of certificates) {
    const refusal = wrapRefusal(own, certificate.der, chatKey);
    if (refusal === undefined) {
      recipients.push(certificate);
      coverage.covered(certificate.pid);
    } else {
      waiting.push(certificate);
      coverage.skipped(certificate.pid, certificate.cid, refusal);
    }
  }
  coverage.requireEvery(pids);
  return { chatKey, recipients, waiting };
}
