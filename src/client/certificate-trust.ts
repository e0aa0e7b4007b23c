/**
 * Which certificates this client wraps chat keys for and takes chat keys from (docs/CRYPTO.md "Trusting
 * certificates"): the server is not trusted to say. A certificate counts when it chains to one of the
 * client's trust anchors and is valid now, and its identity is the one this client has already trusted for that
 * profile: SNILS with OGRN/OGRNIP when it chains through an anchor marked qualified, else its issuer and subject
 * DN — as the server keys profiles (docs/DECISIONS.md §30). Without anchors nothing chains: only the explicit
 * `trustServerCertificates` opt-in (tests, development) accepts what the server lists.
 */
import { parseCertificate } from "../pki/certificate.ts";
import { createPki, type Pki } from "../pki/create-pki.ts";
import type { TrustInput } from "../pki/trust.ts";
import { encodeBase64 } from "../protocol/base64.ts";

const HOUR_MS = 3_600_000;
/** Hours × certificates remembered by hourlyChainVerdict (and certificates by lastMomentVerdict) before it starts again. */
const CHAIN_HOURS_KEPT = 1024;

export type ClientTrustSetting =
  | { readonly anchors: TrustInput }
  /** Tests and development: every certificate the server lists is taken as its profile's. */
  | { readonly serverCertificates: true }
  | { readonly none: true };

export const NO_ANCHORS =
  "no trust anchors are configured: pass `trust` (CA certificates) to Messenger, or `trustServerCertificates: true` for tests";

/**
 * The identity the server keys profiles by (src/server/services/profile-identity.ts `profileFieldsOf`): SNILS with
 * OGRN/OGRNIP when the certificate is `qualified` (chains through a CA marked qualified: only an accredited CA may
 * speak for a SNILS), else issuer and subject DN — whatever Russian IDs it carries, an organisation's INN/OGRN
 * included (all its employees' certificates share those). Throws for what is not a certificate.
 */
export function certificateIdentity(der: Uint8Array, qualified: boolean): string {
  const parsed = parseCertificate(der);
  const { snils, ogrn, ogrnip } = parsed.subject;
  if (qualified && snils) return `ru:${snils}:${ogrnip ?? ogrn ?? "-"}`;
  return `dn:${parsed.issuerDn}|${parsed.subjectDn}`;
}

/** A certificate's chain at a time: why it does not chain, or whether its path runs through a qualified anchor. */
type ChainVerdict =
  | { readonly problem: string }
  | { readonly problem?: undefined; readonly qualified: boolean };

/** Why a message's certificate is not its sender's: `unknown` when it does not chain (no verdict on the sender). */
export interface SenderProblem {
  readonly unknown: boolean;
  readonly problem: string;
}

export class CertificateTrust {
  private readonly pki: Pki | undefined;
  /** Profile id → the identity trusted for it (first learnt; see `vouch`). */
  private readonly identities = new Map<number, string>();
  /**
   * "hour:certificate" → whether the certificate chains through that whole hour, qualified or not, or undefined
   * when it does not (hourlyChainVerdict).
   */
  private readonly chainHours = new Map<string, Promise<{ qualified: boolean } | undefined>>();
  /** Certificate → its verdict at its last valid moment (fixed: the CRLs are fixed for the session). */
  private readonly lastMoments = new Map<string, Promise<ChainVerdict>>();

  constructor(readonly setting: ClientTrustSetting) {
    this.pki = "anchors" in setting ? createPki({ trust: setting.anchors }) : undefined;
  }

  /** Whether certificates are checked at all (anchors configured). */
  get anchored(): boolean {
    return this.pki !== undefined;
  }

  /** Whether this client may wrap keys for certificates it was not told about by its user. */
  get canWrap(): boolean {
    return !("none" in this.setting);
  }

  /**
   * Why `der` does not chain to an anchor now (or `at`), or undefined when it does (always, without anchors). Now
   * goes through hourlyChainVerdict: a session checks the same certificates again and again (every key row, every
   * send in a personal chat), 2–4 ms each.
   */
  async chainProblem(der: Uint8Array, at?: Date): Promise<string | undefined> {
    return (await this.chainVerdict(der, at)).problem;
  }

  private async chainVerdict(der: Uint8Array, at?: Date): Promise<ChainVerdict> {
    if (!this.pki) return { qualified: false };
    if (at === undefined) return this.hourlyChainVerdict(der, new Date());
    let status: Awaited<ReturnType<Pki["checkCertificate"]>>;
    try {
      status = await this.pki.checkCertificate(parseCertificate(der), at);
    } catch (error) {
      return { problem: `not a certificate: ${error instanceof Error ? error.message : String(error)}` };
    }
    return status.ok ? { qualified: status.qualified } : { problem: `${status.reason}: ${status.detail}` };
  }

  /**
   * This client's identity of `der` (certificateIdentity), or undefined for what is not a certificate or, with
   * anchors, does not chain undated (undatedChainProblem): `ru:` only when its path runs through an anchor marked
   * qualified. Without anchors (the server's certificates taken, or none) nothing is checked and a SNILS is read
   * from any certificate: a renewal from another CA keeps its profile's identity, as the server's word does anyway.
   */
  async identity(der: Uint8Array | undefined): Promise<string | undefined> {
    if (!der) return undefined;
    try {
      if (!this.pki) return certificateIdentity(der, true);
      const verdict = await this.undatedChainVerdict(der);
      return verdict.problem === undefined ? certificateIdentity(der, verdict.qualified) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Records `der`'s identity as its profile's, when it chains and the profile has none yet: the client's own
   * certificate, profiles its user looked up by phone, senders whose signatures verified, current members'
   * certificates that hold a key. A later certificate of the profile must carry the same identity.
   */
  async vouch(pid: number, der: Uint8Array): Promise<void> {
    if (!this.pki || this.identities.has(pid)) return;
    // An expired certificate still says who the person is (a departed peer's personal chat binds its identity);
    // keys are wrapped only for certificates that chain now (recipientProblem).
    const identity = await this.identity(der);
    if (identity !== undefined && !this.identities.has(pid)) this.identities.set(pid, identity);
  }

  /** Whether a profile's identity is known. */
  knows(pid: number): boolean {
    return this.identities.has(pid);
  }

  /** The identity trusted for a profile, if any (with anchors only). */
  identityOf(pid: number): string | undefined {
    return this.identities.get(pid);
  }

  /**
   * Whether `der` chains now, or chained at its last valid moment, yet carries another identity than the one
   * trusted for `pid`: a server listing one person's certificate under another's profile (never so for an honest
   * one: a profile's certificates share its identity, renewals included).
   */
  async contradicts(pid: number, der: Uint8Array): Promise<boolean> {
    const trusted = this.identities.get(pid);
    if (!this.pki || trusted === undefined) return false;
    const identity = await this.identity(der);
    return identity !== undefined && identity !== trusted;
  }

  /**
   * Why `der` cannot vouch for what it signed without a date (a key row, an epoch's commitment), or undefined
   * when it can: it chains now or, expired, chained at its last valid moment — a member's renewal must not take
   * with it the keys it wrapped and committed to (new sessions could no longer read those epochs). Revocation
   * counts as of then. Without anchors: undefined.
   */
  async undatedChainProblem(der: Uint8Array): Promise<string | undefined> {
    return (await this.undatedChainVerdict(der)).problem;
  }

  private async undatedChainVerdict(der: Uint8Array): Promise<ChainVerdict> {
    const now = await this.chainVerdict(der);
    if (now.problem === undefined) return now;
    let notAfter: Date;
    try {
      notAfter = parseCertificate(der).notAfter;
    } catch {
      return now;
    }
    return notAfter.getTime() < Date.now() ? this.lastMomentVerdict(der, notAfter) : now;
  }

  /** chainVerdict at `notAfter`, the certificate's last valid moment, once per certificate. */
  private lastMomentVerdict(der: Uint8Array, notAfter: Date): Promise<ChainVerdict> {
    const key = encodeBase64(der);
    let verdict = this.lastMoments.get(key);
    if (verdict === undefined) {
      if (this.lastMoments.size >= CHAIN_HOURS_KEPT) this.lastMoments.clear();
      verdict = this.chainVerdict(der, notAfter);
      this.lastMoments.set(key, verdict);
    }
    return verdict;
  }

  /** Whether any trusted profile has `der`'s identity (a key row's wrapper, an epoch's committer; undatedChainProblem). */
  async trustedIdentity(der: Uint8Array): Promise<string | undefined> {
    if (!this.pki) return "unchecked";
    const identity = await this.identity(der);
    return identity !== undefined && [...this.identities.values()].includes(identity) ? identity : undefined;
  }

  /**
   * Why `der` cannot stand for profile `pid` as a message's signer, or undefined when it can: with anchors it must
   * have chained when the message was sent (`at`, the server's word: a certificate expired since still vouches for
   * what it signed while valid) and carry the identity trusted for `pid`, when one is (the server says which
   * certificate a message's `cid` is and whose; without this a member's message could be shown as another's).
   */
  async senderProblem(pid: number, der: Uint8Array, at: Date): Promise<SenderProblem | undefined> {
    if (!this.pki) return undefined;
    // A date out of range (a server's huge or non-numeric time) would skip the validity checks: now, then.
    const chain = await this.hourlyChainVerdict(der, Number.isNaN(at.getTime()) ? new Date() : at);
    if (chain.problem !== undefined)
      return { unknown: true, problem: `certificate does not chain to a trust anchor (${chain.problem})` };
    const trusted = this.identities.get(pid);
    if (trusted !== undefined && certificateIdentity(der, chain.qualified) !== trusted)
      return { unknown: false, problem: `certificate is not of profile ${pid}'s subject` };
    return undefined;
  }

  /**
   * chainVerdict at `at` (a message's time, or now), decided for a whole hour at once where the certificate chains
   * at both of its ends through the same kind of path: a chain's validity is one interval and the CRLs are fixed for
   * the session, so it then chains at every time between. A history page checks each sender's chain once or twice
   * instead of once per message (2–4 ms each). Elsewhere the exact time is checked.
   */
  private async hourlyChainVerdict(der: Uint8Array, at: Date): Promise<ChainVerdict> {
    const hour = Math.floor(at.getTime() / HOUR_MS);
    const key = `${hour}:${encodeBase64(der)}`;
    let wholeHour = this.chainHours.get(key);
    if (wholeHour === undefined) {
      if (this.chainHours.size >= CHAIN_HOURS_KEPT) this.chainHours.clear();
      wholeHour = Promise.all([
        this.chainVerdict(der, new Date(hour * HOUR_MS)),
        this.chainVerdict(der, new Date((hour + 1) * HOUR_MS - 1)),
      ]).then(([first, last]) =>
        first.problem === undefined && last.problem === undefined && first.qualified === last.qualified
          ? { qualified: first.qualified }
          : undefined,
      );
      this.chainHours.set(key, wholeHour);
    }
    return (await wholeHour) ?? this.chainVerdict(der, at);
  }

  /**
   * Why this client will not wrap a key for `der` as profile `pid`'s certificate, or undefined when it will:
   * it must chain now and carry the identity trusted for `pid`.
   */
  async recipientProblem(pid: number, der: Uint8Array): Promise<string | undefined> {
    if (!this.canWrap) return NO_ANCHORS;
    if (!this.pki) return undefined;
    const chain = await this.chainVerdict(der);
    if (chain.problem !== undefined) return `certificate does not chain to a trust anchor (${chain.problem})`;
    const trusted = this.identities.get(pid);
    if (trusted === undefined) return `no certificate of profile ${pid} is trusted yet`;
    if (certificateIdentity(der, chain.qualified) !== trusted)
      return `certificate is not of profile ${pid}'s subject`;
    return undefined;
  }
}
