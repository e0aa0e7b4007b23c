import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { UnknownOutcomeResolution } from "../storage/message-commit/postgres-committer.ts";

/**
 * Every Prometheus series of a certchat node (docs/OPERATIONS.md "Metrics"), on a registry of its own so that
 * several servers in one process (tests) keep separate counts. Labels take values from small fixed sets only
 * (route templates, error codes, algorithm names): never a chat id, phone or token.
 */

/** What the scrape-time gauges read; set once the parts they describe exist (until then they read zero). */
export interface MetricProbes {
  sockets(): { eio3: number; eio4: number; subscriptions: number };
  verifyQueueDepth(): number;
  redisUp(): boolean;
  /** The database answers, and whether this node takes traffic (/readyz). */
  readiness(): Promise<{ database: boolean; ready: boolean }>;
}

/** The limits of `certchat_rate_limit_refusals_total{limit}`. */
const LIMIT_NAMES = [
  "auth",
  "confirmAuth",
  "sms_resend",
  "sms_per_phone",
  "sms_per_address",
  "sms_attempts",
  "verify_queue",
  "socket_events",
  "socket_bytes",
] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];

/** The values of `certchat_message_commit_unanswered_total{resolution}`. */
const UNANSWERED_COMMIT_RESOLUTIONS: readonly UnknownOutcomeResolution[] = [
  "committed",
  "failed",
  "unresolved",
];

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** The most distinct values a label fed from outside a fixed list may take; the rest count as "other". */
const MAX_LABEL_VALUES = 32;

/** Keeps a label's value set bounded whatever it is fed. */
function boundedLabel(): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES) return "other";
    seen.add(value);
    return value;
  };
}

export class CertchatMetrics {
  readonly registry = new Registry();
  private probes: Partial<MetricProbes> = {};
  private readonly algorithmLabel = boundedLabel();

  readonly httpRequests = new Counter({
    name: "certchat_http_requests_total",
    help: 'HTTP requests answered, by route template ("other" = no route) and outcome ("ok", error code or status)',
    labelNames: ["route", "code"] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "certchat_http_request_duration_seconds",
    help: "Time from receiving an HTTP request to its answer, by route template",
    labelNames: ["route"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly messagesCommitted = new Counter({
    name: "certchat_messages_committed_total",
    help: "Messages committed to the database by this node",
    registers: [this.registry],
  });
  readonly unansweredCommits = new Counter({
    name: "certchat_message_commit_unanswered_total",
    help: 'Message batches whose commit lost its answer, by what they turned out to be ("committed", "failed", "unresolved")',
    labelNames: ["resolution"] as const,
    registers: [this.registry],
  });
  readonly blobSweepScanned = new Counter({
    name: "certchat_blob_sweep_scanned_total",
    help: "Blobs listed by this node's orphan sweeps",
    registers: [this.registry],
  });
  readonly blobSweepRemoved = new Counter({
    name: "certchat_blob_sweep_removed_total",
    help: "Orphan blobs (named by no message, older than CERTCHAT_BLOB_SWEEP_GRACE) this node's sweeps deleted",
    registers: [this.registry],
  });
  readonly blobSweepRemovedBytes = new Counter({
    name: "certchat_blob_sweep_removed_bytes_total",
    help: "Bytes of the orphan blobs this node's sweeps deleted",
    registers: [this.registry],
  });
  readonly messageDeliveries = new Counter({
    name: "certchat_message_deliveries_total",
    help: "Live messages handed to sockets of this node (room sizes at each broadcast)",
    registers: [this.registry],
  });
  readonly commitBatchSize = new Histogram({
    name: "certchat_commit_batch_size",
    help: "Messages per group commit",
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly writerLag = new Histogram({
    name: "certchat_writer_lag_seconds",
    help: "Time from a message's enqueueing for commit to the end of its commit",
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly verifyDuration = new Histogram({
    name: "certchat_verify_duration_seconds",
    help: 'Time a verification worker spent on a login check, by algorithm ("refused" = no verdict of validity)',
    labelNames: ["algorithm"] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: "certchat_logins_total",
    help: 'Logins ended: "ok" at a confirmed /api/confirmAuth/, else the error code of the step that failed',
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly smsSent = new Counter({
    name: "certchat_sms_sent_total",
    help: "SMS codes the provider accepted",
    registers: [this.registry],
  });
  readonly smsFailures = new Counter({
    name: "certchat_sms_failures_total",
    help: "SMS codes the provider failed to accept (error or timeout)",
    registers: [this.registry],
  });
  readonly rateLimitRefusals = new Counter({
    name: "certchat_rate_limit_refusals_total",
    help: "HTTP requests, logins and socket events refused by a limit (never run), by limit",
    labelNames: ["limit"] as const,
    registers: [this.registry],
  });

  constructor() {
    const probes = () => this.probes;
    new Gauge({
      name: "certchat_socket_connections",
      help: "Connected Socket.IO clients of this node, by Engine.IO protocol",
      labelNames: ["eio"] as const,
      registers: [this.registry],
      collect() {
        const census = probes().sockets?.() ?? { eio3: 0, eio4: 0 };
        this.set({ eio: "3" }, census.eio3);
        this.set({ eio: "4" }, census.eio4);
      },
    });
    new Gauge({
      name: "certchat_socket_subscriptions",
      help: "Chat subscriptions of this node's sockets",
      registers: [this.registry],
      collect() {
        this.set(probes().sockets?.().subscriptions ?? 0);
      },
    });
    new Gauge({
      name: "certchat_verify_queue_depth",
      help: "Logins waiting for a verification worker",
      registers: [this.registry],
      collect() {
        this.set(probes().verifyQueueDepth?.() ?? 0);
      },
    });
    new Gauge({
      name: "certchat_redis_up",
      help: "1 while the Redis command connection is ready (0 also when no Redis is configured)",
      registers: [this.registry],
      collect() {
        this.set(probes().redisUp?.() ? 1 : 0);
      },
    });
    // One readiness check per scrape feeds both gauges.
    let readiness: Promise<{ database: boolean; ready: boolean }> | undefined;
    const check = () => {
      readiness ??= (probes().readiness?.() ?? Promise.resolve({ database: false, ready: false })).finally(
        () => {
          readiness = undefined;
        },
      );
      return readiness;
    };
    new Gauge({
      name: "certchat_database_up",
      help: "1 while the database answers",
      registers: [this.registry],
      async collect() {
        this.set((await check()).database ? 1 : 0);
      },
    });
    new Gauge({
      name: "certchat_ready",
      help: "1 while /readyz answers 200 (started, not draining, database up)",
      registers: [this.registry],
      async collect() {
        this.set((await check()).ready ? 1 : 0);
      },
    });
    collectDefaultMetrics({ register: this.registry });
    // Series that alert rules divide or compare exist from the start, at zero.
    this.logins.inc({ outcome: "ok" }, 0);
    for (const limit of LIMIT_NAMES) this.rateLimitRefusals.inc({ limit }, 0);
    for (const resolution of UNANSWERED_COMMIT_RESOLUTIONS) this.unansweredCommits.inc({ resolution }, 0);
  }

  /** For MessageWriter. */
  readonly writer = {
    batchCommitted: (size: number) => this.commitBatchSize.observe(size),
    messageCommitted: (waitedSeconds: number) => {
      this.messagesCommitted.inc();
      this.writerLag.observe(waitedSeconds);
    },
  };

  /** Connects the scrape-time gauges to the parts of the server they describe. */
  observe(probes: Partial<MetricProbes>): void {
    Object.assign(this.probes, probes);
  }

  verified(seconds: number, algorithm: string | undefined): void {
    this.verifyDuration.observe({ algorithm: this.algorithmLabel(algorithm ?? "refused") }, seconds);
  }

  refused(limit: LimitName): void {
    this.rateLimitRefusals.inc({ limit });
  }

  /** The exposition text for a scrape. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
