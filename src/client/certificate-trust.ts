/**
 * Which certificates this client wraps chat keys for and takes chat keys from (docs/CRYPTO.md "Trusting
 * certificates"): the server is not trusted to say. A certificate counts when it chains to one of the
 * client's trust anchors and is valid now — one that carries a SNILS only through an anchor marked qualified
 * (docs/DECISIONS.md §30) — and its identity (SNILS with OGRN/OGRNIP, else issuer and subject DN) is the one this
 * client has already trusted for that profile. Without anchors nothing chains: only the explicit
 * `trustServerCertificates` opt-in (tests, development) accepts what the server lists.
 */
import { type ParsedCertificate, parseCertificate } from "../pki/certificate.ts";
import { createPki, type Pki } from "../pki/create-pki.ts";
import { AttributeOid } from "../pki/oids.ts";
import type { TrustInput } from "../pki/trust.ts";
import { encodeBase64 } from "../protocol/base64.ts";
import type { IdentityPins } from "./identity-pins.ts";

const HOUR_MS = 3_600_000;
/** Hours × certificates remembered by hourlyChainProblem (and certificates by lastMomentProblem) before it starts again. */
const CHAIN_HOURS_KEPT = 1024;

export type ClientTrustSetting =
  | { readonly anchors: TrustInput }
  /** Tests and development: every certificate the server lists is taken as its profile's. */
  | { readonly serverCertificates: true }
  | { readonly none: true };

export const NO_ANCHORS =
  "no trust anchors are configured: pass `trust` (CA certificates) to Messenger, or `trustServerCertificates: true` for tests";

/**
 * A certificate's identity, read from it alone so that every session reads it alike (a pair binding is computed
 * by both members): SNILS with OGRN/OGRNIP, as the server keys a qualified certificate's profile, else issuer and
 * subject DN — whatever other Russian IDs it carries: an organisation's INN/OGRN are on all its employees'
 * certificates. Whether a SNILS is believed is the chain's question (chainProblem: only through an anchor marked
 * qualified). Throws for what is not a certificate.
 */
export function certificateIdentity(der: Uint8Array): string {
  const parsed = parseCertificate(der);
  const { snils, ogrn, ogrnip } = parsed.subject;
  if (snils) return `ru:${snils}:${ogrnip ?? ogrn ?? "-"}`;
  return `dn:${parsed.issuerDn}|${parsed.subjectDn}`;
}

/** Why a certificate with a SNILS does not count when its path runs through no anchor marked qualified. */
const SNILS_NOT_QUALIFIED =
  "it carries a SNILS but chains through no anchor marked qualified: only an accredited CA may speak for a SNILS";

/**
 * Whether the subject has a SNILS attribute at all. `subject.snils` is the first one's text only: a blank or
 * unreadable first attribute before the real number leaves it unset, and the SNILS would pass an unmarked anchor
 * (printed in the subject DN, which the CLI shows for a holder without a name).
 */
function carriesSnils(parsed: ParsedCertificate): boolean {
  return parsed.certificate.subject.typesAndValues.some((attribute) => attribute.type === AttributeOid.snils);
}

function isProfileId(pid: unknown): pid is number {
  return typeof pid === "number" && Number.isSafeInteger(pid) && pid >= 1;
}

/**
 * `pid` when it is a profile id (a positive safe integer), else throws. Answers are not checked against the
 * schema: a server could give a pinned profile's id as "2" — another Map key than 2, never pinned, so the pin
 * would not be consulted — or as a path that the CLI's pin file would be written to.
 */
export function profileId(pid: unknown): number {
  if (isProfileId(pid)) return pid;
  throw new Error(
    `the server gives ${JSON.stringify(pid) ?? String(pid)} as a profile id: that is not a profile id`,
  );
}

/** Why a message's certificate is not its sender's: `unknown` when it does not chain (no verdict on the sender). */
export interface SenderProblem {
  readonly unknown: boolean;
  readonly problem: string;
}

export class CertificateTrust {
  private readonly pki: Pki | undefined;
  /** Profile id → the identity trusted for it (first learnt; see `vouch`). */
  private readonly identities = new Map<number, string>();
  /** Profile id → the certificate its trusted identity was taken from (what a user is shown: pair-peer.ts). */
  private readonly vouchers = new Map<number, Uint8Array>();
  /** "hour:certificate" → whether the certificate chains through that whole hour (hourlyChainProblem). */
  private readonly chainHours = new Map<string, Promise<boolean>>();
  /** Certificate → its chain problem at its last valid moment (fixed: the CRLs are fixed for the session). */
  private readonly lastMoments = new Map<string, Promise<string | undefined>>();

  /**
   * `pins`: identities earlier sessions learnt, taken as this session's first evidence; identities this session
   * learns are kept there. Only with anchors: without them no identity is checked, so none is kept.
   */
  constructor(
    readonly setting: ClientTrustSetting,
    private readonly pins?: IdentityPins,
  ) {
    this.pki = "anchors" in setting ? createPki({ trust: setting.anchors }) : undefined;
    if (!this.pki) return;
    for (const pin of pins?.known ?? []) {
      this.identities.set(pin.pid, pin.identity);
      this.vouchers.set(pin.pid, pin.certificate);
    }
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
   * Why `der` does not chain to an anchor now (or `at`), or undefined when it does (always, without anchors); a
   * certificate carrying a SNILS must chain through an anchor marked qualified. Now goes through
   * hourlyChainProblem: a session checks the same certificates again and again (every key row, every send in a
   * personal chat), 2–4 ms each.
   */
  async chainProblem(der: Uint8Array, at?: Date): Promise<string | undefined> {
    if (!this.pki) return undefined;
    if (at === undefined) return this.hourlyChainProblem(der, new Date());
    let status: Awaited<ReturnType<Pki["checkCertificate"]>>;
    let parsed: ReturnType<typeof parseCertificate>;
    try {
      parsed = parseCertificate(der);
      status = await this.pki.checkCertificate(parsed, at);
    } catch (error) {
      return `not a certificate: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!status.ok) return `${status.reason}: ${status.detail}`;
    return carriesSnils(parsed) && !status.qualified ? SNILS_NOT_QUALIFIED : undefined;
  }

  /**
   * `der`'s identity (certificateIdentity) when this client believes it, or undefined for what is not a
   * certificate or, with anchors, does not chain undated (undatedChainProblem; a SNILS only through an anchor
   * marked qualified). Without anchors (the server's certificates taken, or none) nothing is checked: a SNILS is
   * the server's word, as everything else is then.
   */
  async identity(der: Uint8Array | undefined): Promise<string | undefined> {
    if (!der) return undefined;
    try {
      if (this.pki && (await this.undatedChainProblem(der)) !== undefined) return undefined;
      return certificateIdentity(der);
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
    if (!this.pki || this.identities.has(profileId(pid))) return;
    // An expired certificate still says who the person is (a departed peer's personal chat binds its identity);
    // keys are wrapped only for certificates that chain now (recipientProblem).
    const identity = await this.identity(der);
    if (identity === undefined || this.identities.has(pid)) return;
    // A session running beside this one may have pinned the profile since this one started: its pin stands.
    const standing = (await this.pins?.keep({ pid, identity, certificate: der })) ?? {
      identity,
      certificate: der,
    };
    if (this.identities.has(pid)) return;
    this.identities.set(pid, standing.identity);
    this.vouchers.set(pid, standing.certificate);
  }

  /**
   * Forgets the identity trusted for a profile, here and in the pins: its next evidence is taken afresh (the user
   * accepted that the profile is now someone else's, or re-registered under another identity).
   */
  async forget(pid: number): Promise<void> {
    this.identities.delete(profileId(pid));
    this.vouchers.delete(pid);
    await this.pins?.forget(pid);
  }

  /** Whether a profile's identity is known. */
  knows(pid: number): boolean {
    return this.identities.has(pid);
  }

  /** The identity trusted for a profile, if any (with anchors only). */
  identityOf(pid: number): string | undefined {
    return this.identities.get(pid);
  }

  /** The certificate the identity trusted for a profile was taken from, if any (with anchors only). */
  voucherOf(pid: number): Uint8Array | undefined {
    return this.vouchers.get(pid);
  }

  /**
   * Whether `der` chains now, or chained at its last valid moment, yet carries another identity than the one
   * trusted for `pid`: a server listing one person's certificate under another's profile (never so for an honest
   * one: a profile's certificates share its identity, renewals included).
   */
  async contradicts(pid: number, der: Uint8Array): Promise<boolean> {
    if (!this.pki) return false;
    const trusted = this.identities.get(profileId(pid));
    if (trusted === undefined) return false;
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
    const now = await this.chainProblem(der);
    if (now === undefined) return undefined;
    let notAfter: Date;
    try {
      notAfter = parseCertificate(der).notAfter;
    } catch {
      return now;
    }
    return notAfter.getTime() < Date.now() ? this.lastMomentProblem(der, notAfter) : now;
  }

  /** chainProblem at `notAfter`, the certificate's last valid moment, once per certificate. */
  private lastMomentProblem(der: Uint8Array, notAfter: Date): Promise<string | undefined> {
    const key = encodeBase64(der);
    let problem = this.lastMoments.get(key);
    if (problem === undefined) {
      if (this.lastMoments.size >= CHAIN_HOURS_KEPT) this.lastMoments.clear();
      problem = this.chainProblem(der, notAfter);
      this.lastMoments.set(key, problem);
    }
    return problem;
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
    const chain = await this.hourlyChainProblem(der, Number.isNaN(at.getTime()) ? new Date() : at);
    if (chain) return { unknown: true, problem: `certificate does not chain to a trust anchor (${chain})` };
    if (!isProfileId(pid)) return { unknown: false, problem: `${JSON.stringify(pid)} is not a profile id` };
    const trusted = this.identities.get(pid);
    if (trusted !== undefined && certificateIdentity(der) !== trusted)
      return { unknown: false, problem: `certificate is not of profile ${pid}'s subject` };
    return undefined;
  }

  /**
   * chainProblem at `at` (a message's time, or now), decided for a whole hour at once where the certificate chains
   * at both of its ends: a chain's validity is one interval and the CRLs are fixed for the session, so it then
   * chains at every time between. A history page checks each sender's chain once or twice instead of once per
   * message (2–4 ms each). Elsewhere the exact time is checked.
   */
  private async hourlyChainProblem(der: Uint8Array, at: Date): Promise<string | undefined> {
    const hour = Math.floor(at.getTime() / HOUR_MS);
    const key = `${hour}:${encodeBase64(der)}`;
    let wholeHour = this.chainHours.get(key);
    if (wholeHour === undefined) {
      if (this.chainHours.size >= CHAIN_HOURS_KEPT) this.chainHours.clear();
      wholeHour = Promise.all([
        this.chainProblem(der, new Date(hour * HOUR_MS)),
        this.chainProblem(der, new Date((hour + 1) * HOUR_MS - 1)),
      ]).then(([first, last]) => first === undefined && last === undefined);
      this.chainHours.set(key, wholeHour);
    }
    return (await wholeHour) ? undefined : this.chainProblem(der, at);
  }

  /**
   * Why this client will not wrap a key for `der` as profile `pid`'s certificate, or undefined when it will:
   * it must chain now and carry the identity trusted for `pid`.
   */
  async recipientProblem(pid: number, der: Uint8Array): Promise<string | undefined> {
    if (!this.canWrap) return NO_ANCHORS;
    if (!this.pki) return undefined;
    const chain = await this.chainProblem(der);
    if (chain) return `certificate does not chain to a trust anchor (${chain})`;
    if (!isProfileId(pid)) return `${JSON.stringify(pid)} is not a profile id`;
    const trusted = this.identities.get(pid);
    if (trusted === undefined) return `no certificate of profile ${pid} is trusted yet`;
    if (certificateIdentity(der) !== trusted) return `certificate is not of profile ${pid}'s subject`;
    return undefined;
  }
}
