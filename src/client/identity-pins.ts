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

/**
 * A personal chat's other member, as the chat was first listed: a personal chat joins two people for good, so a
 * later session given the chat as another profile's (one never pinned: Mallory's own) refuses it, as one session
 * does (ChatBindingsBook.note). Without it a pinned profile was left aside by renumbering the chat's peer.
 */
export interface ChatPeerPin {
  readonly chatId: string;
  readonly pid: number;
}

/** Where an application keeps pins (the CLI: pins.json in its home folder, per server). */
export interface IdentityPins {
  /** The pins kept so far, read as the session starts. */
  readonly known: readonly IdentityPin[];
  /**
   * Keeps a profile's identity first learnt in this session; a pin the store already holds for `pid` stays, and is
   * returned: one kept since `known` was read (a session running beside, e.g. `listen` beside `send`) stands in
   * this session too. Returns undefined when the store cannot tell (the session then holds to `pin`).
   */
  keep(pin: IdentityPin): Promise<IdentityPin | undefined>;
  /** Drops a profile's pin, and the personal chats pinned with it: its next evidence is taken afresh. */
  forget(pid: number): Promise<void>;
  /** Personal chats' peers kept so far (a store without them leaves each session to take the server's word). */
  readonly chatPeers?: readonly ChatPeerPin[];
  /** Keeps a personal chat's peer first listed in this session; one the store already holds stays, and is returned. */
  keepChatPeer?(pin: ChatPeerPin): Promise<ChatPeerPin | undefined>;
}
