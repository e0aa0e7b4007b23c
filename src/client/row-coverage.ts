/**
 * Which profiles a set of key rows reaches, and why the certificates left without a row were left out. The
 * server makes members of the profiles the rows name (createChat, addMembers), so a profile with no row would
 * silently not become one: createChat and membership.add check with `requireEvery` before sending.
 */
export class RowCoverage {
  private readonly reached = new Set<number>();
  private readonly reasons = new Map<number, string[]>();

  /** A row is made for a certificate of `pid`. */
  covered(pid: number): void {
    this.reached.add(pid);
  }

  /** Certificate `cid` of `pid` gets no row, for `reason`. */
  skipped(pid: number, cid: number, reason: string): void {
    this.reasons.set(pid, [...(this.reasons.get(pid) ?? []), `certificate ${cid}: ${reason}`]);
  }

  /** Throws, naming each of `pids` left without a row and its certificates' reasons. */
  requireEvery(pids: readonly number[]): void {
    const unreached = pids.filter((pid) => !this.reached.has(pid));
    if (unreached.length === 0) return;
    const named = unreached.map(
      (pid) => `${pid} (${(this.reasons.get(pid) ?? ["no certificate"]).join("; ")})`,
    );
    throw new Error(`this session can wrap the chat key for no certificate of profile ${named.join(", ")}`);
  }
}
