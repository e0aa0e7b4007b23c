/**
 * What an attack of the attack scenario (resilience/attack.test.ts) is pointed at. Each attack is an async
 * function returning its fields for the scenario's one summary line (e.g. `{ flood_requests: 120 }`); it
 * throws when the server answered in a way it must not. An attack may ignore the target it is given.
 */
export interface AttackTarget {
  url: string;
  port: number;
  /** A valid session of a user who is not one of the measured chat's members. */
  token: string;
}

export type Attack = (target: AttackTarget) => Promise<Record<string, string | number>>;
