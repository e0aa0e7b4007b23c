/**
 * Profiles' identities kept from one session to the next (docs/DECISIONS.md §35). A fresh session's first
 * evidence for a profile is whatever the server lists (§28): without pins, every session — every CLI command —
 * would take anew whose certificate a profile is. With them, what an earlier session learnt stands, and a later
 * listing of another person's certificate under that profile contradicts it (the look-up, the personal chat and
 * the key wrapping refuse it) until the user accepts the change (`Messenger.forgetIdentity`).
 */
export interface IdentityPin {
  readonly pid: number;
  /** certificateIdentity of `certificate`, as read when it was pinned. */
  readonly identity: string;
  /** The certificate the identity was taken from: what a user is shown for the profile (pairPeer). */
  readonly certificate: Uint8Array;
}

/** Where an application keeps pins (the CLI: pins.json in its home folder, per server). */
export interface IdentityPins {
  /** The pins kept so far, read as the session starts. */
  readonly known: readonly IdentityPin[];
  /** Keeps a profile's identity first learnt in this session; a pin the store already holds for `pid` stays. */
  keep(pin: IdentityPin): Promise<void>;
  /** Drops a profile's pin: its next evidence is taken afresh. */
  forget(pid: number): Promise<void>;
}
