/**
 * A database that has not answered `select 1` by then counts as unreachable: a blackholed PostgreSQL host
 * would otherwise hold the check (and each metrics scrape) for the TCP connect timeout, minutes.
 */
const DATABASE_CHECK_MS = 3_000;

export type Phase = "starting" | "ready" | "draining";

export interface ReadinessReport {
  phase: Phase;
  database: boolean;
  /** Whether a load balancer should send this node new requests and connections. */
  ready: boolean;
}

/**
 * Whether this node should get traffic (/readyz): not while starting, not once shutdown began (so load
 * balancers stop sending new connections before the sockets are closed), not while its database is away.
 * /healthz stays liveness: a draining node is alive.
 */
export class Readiness {
  private current: Phase = "starting";

  /** `ping`: resolves when the database answered `select 1` (Storage.ping: not behind the request pool's queue). */
  constructor(private readonly ping: () => Promise<void>) {}

  get phase(): Phase {
    return this.current;
  }

  started(): void {
    if (this.current === "starting") this.current = "ready";
  }

  draining(): void {
    this.current = "draining";
  }

  async databaseUp(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), DATABASE_CHECK_MS);
    });
    const answered = this.ping().then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async report(): Promise<ReadinessReport> {
    const phase = this.current;
    const database = await this.databaseUp();
    return { phase, database, ready: phase === "ready" && database };
  }
}
