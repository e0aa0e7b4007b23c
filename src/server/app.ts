import { setTimeout as delay } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { BlobStore } from "./blobs/blob-store.ts";
import { configuredBlobStore } from "./blobs/configured-store.ts";
import type { Config } from "./config.ts";
import { buildHttpApp } from "./http/app.ts";
import { clientAddress, proxyTrust } from "./http/client-address.ts";
import { ClosingGate } from "./http/closing.ts";
import { createLogger } from "./logging.ts";
import { type MetricsListener, startMetricsListener } from "./metrics/listener.ts";
import { CertchatMetrics } from "./metrics/metrics.ts";
import { Readiness } from "./readiness.ts";
import { ChatEventPublisher } from "./realtime/chat-event-publisher.ts";
import { EmissionOrder } from "./realtime/emission-order.ts";
import { createGateway, createSocketServer } from "./realtime/gateway.ts";
import type { RedisLink } from "./realtime/redis-adapter.ts";
import { SocketMessagePublisher } from "./realtime/socket-publisher.ts";
import { AuthService } from "./services/auth.ts";
import { startBlobSweeps } from "./services/blob-sweep.ts";
import type { ChatEvents } from "./services/chat-events.ts";
import { ChatKeysService } from "./services/chat-keys.ts";
import { ChatMembershipService } from "./services/chat-membership.ts";
import { ChatRights } from "./services/chat-rights.ts";
import { ChatService } from "./services/chats.ts";
import { type Clock, systemClock } from "./services/clock.ts";
import { type ContactLookupLimit, ContactService } from "./services/contacts.ts";
import { FileService } from "./services/files.ts";
import { limitKeys } from "./services/limit-key.ts";
import type { LoginCommitter } from "./services/login-commit/login-committer.ts";
import { startLoginCommitter } from "./services/login-commit/start-login-committer.ts";
import { type LookupQuota, MemoryLookupQuota } from "./services/lookup-quota.ts";
import { MessageService } from "./services/messages.ts";
import { PhoneService } from "./services/phones.ts";
import { ProfileService } from "./services/profiles.ts";
import { MemoryRateLimiter, type RateLimiter } from "./services/rate-limiter.ts";
import { FallbackNotice } from "./services/redis-fallback.ts";
import { RedisLookupQuota } from "./services/redis-lookup-quota.ts";
import { RedisRateLimiter } from "./services/redis-rate-limiter.ts";
import { startSessionCleanup } from "./services/session-cleanup.ts";
import { SessionService } from "./services/sessions.ts";
import { ConsoleSmsProvider } from "./sms/console.ts";
import { countedSmsProvider } from "./sms/counted.ts";
import { HttpSmsProvider } from "./sms/http.ts";
import type { SmsProvider } from "./sms/provider.ts";
import {
  migrateToLatest,
  openStorage,
  type Storage,
  type StorageTarget,
  storageTarget,
} from "./storage/database.ts";
import type { BatchCommitter } from "./storage/message-commit/batch-committer.ts";
import { startMessageCommitter } from "./storage/message-commit/start-committer.ts";
import { MessageWriter } from "./storage/message-writer.ts";
import { sessionsEndedCount } from "./storage/repositories/session-ends.ts";
import { TrustReloader, type TrustReloadOutcome } from "./trust-reload.ts";
import { setUpTrust } from "./trust-setup.ts";
import { describeGostEngine, loadGostEngine } from "./verification/gost-engine.ts";
import { createServerPki } from "./verification/server-pki.ts";
import { VerifyPool } from "./verification/verify-pool.ts";

/**
 * Connections the kernel may hold for the listener before the event loop accepts them (it caps this at
 * net.core.somaxconn). Node's default, 511, overflows when thousands of sockets come back at once after a
 * restart while the loop is busy with the first handshakes: the kernel then drops their handshakes and each
 * client waits out TCP's retransmission backoff (1, 2, 4, 8 … s), a long tail of a reconnect storm.
 */
const LISTEN_BACKLOG = 4096;

export interface ServerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Overrides the storage the configuration names (tests use a fresh PostgreSQL schema). */
  storage?: StorageTarget;
  /** How often sockets' sessions are re-checked (default each minute; tests shorten it). */
  sessionCheckMs?: number;
  /** Overrides CERTCHAT_BLOB_SWEEP_INTERVAL (tests shorten it below its 1m floor). */
  blobSweepMs?: number;
  /** Overrides HTTP_FINISH_MS (tests shorten it). */
  httpFinishMs?: number;
}

/** How often ended sessions are deleted. */
const SESSION_CLEANUP_MS = 3_600_000;

/**
 * How often each node reads the count of session endings: a revocation by `certchat sessions revoke` (another
 * process) disconnects the sockets within about this long.
 */
const SESSION_END_POLL_MS = 1000;

/** In-flight socket events get this long to finish on shutdown before the sockets are closed anyway. */
const SOCKET_DRAIN_MS = 5_000;

/**
 * Once the listener closed, requests in flight get this long to finish before their connections are closed
 * anyway: Node stops enforcing its header and request timeouts when the server closes, so a client trickling a
 * body (a byte a second is never idle) or its headers held the close until serve's limit killed the process.
 * A send cut short is retried by its client with its localId (stored once).
 */
const HTTP_FINISH_MS = 5_000;

export interface CertchatServer {
  http: FastifyInstance;
  storage: Storage;
  metrics: CertchatMetrics;
  readiness: Readiness;
  /** http://host:port/metrics once listening; undefined with CERTCHAT_METRICS_PORT=off. */
  metricsUrl(): string | undefined;
  /** What the start-up banner reports: storage, trust, SMS, verification and file settings in force. */
  settings: {
    storage: string;
    trust: string;
    sms: string;
    verify: string;
    gost: string;
    files: string;
    realtime: string;
  };
  listen(): Promise<string>;
  /** Re-reads CERTCHAT_TRUST and CERTCHAT_CRL and ends the sessions of revoked certificates (SIGHUP). */
  reloadTrust(): Promise<TrustReloadOutcome>;
  close(): Promise<void>;
}

function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

function smsProvider(config: Config, logger: Logger): SmsProvider {
  return config.sms.provider === "http"
    ? new HttpSmsProvider(config.sms.url, config.sms.timeoutMs)
    : new ConsoleSmsProvider(logger, config.trust.length === 0 ? printLine : undefined);
}

async function connectRedisIfConfigured(config: Config, logger: Logger): Promise<RedisLink | undefined> {
  if (!config.redisUrl) return undefined;
  const { connectRedis } = await import("./realtime/redis-adapter.ts");
  return connectRedis(config.redisUrl, logger);
}

/** The composition root: storage, trust, services and the HTTP application, wired once. */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<CertchatServer> {
  const logger = options.logger ?? createLogger(config.logLevel, { pretty: process.stdout.isTTY === true });
  const clock = options.clock ?? systemClock;
  const storage = openStorage(options.storage ?? storageTarget(config.dataDir, config.databaseUrl), {
    onConnectionError: (error) =>
      logger.warn({ err: error }, "PostgreSQL connection lost; it is reopened on demand"),
  });
  const metrics = new CertchatMetrics();
  const readiness = new Readiness(() => storage.ping());
  const trustedProxies = proxyTrust(config.trustProxy);
  const limitKey = limitKeys(config.ipv6PrefixBits);
  let pool: VerifyPool | undefined;
  let redis: RedisLink | undefined;
  let blobs: BlobStore | undefined;
  let writer: MessageWriter | undefined;
  let messageCommitter: BatchCommitter | undefined;
  let loginCommitter: LoginCommitter | undefined;
  /** The worker threads being started, awaited before anything is closed should the start fail. */
  const starting: Promise<unknown>[] = [];
  const tracked = <T>(start: Promise<T>): Promise<T> => {
    // A failure is handled where the start is awaited, which may be after it failed.
    start.catch(() => undefined);
    starting.push(start);
    return start;
  };
  try {
    await migrateToLatest(storage);
    // The threads start together, each loading its modules while this thread sets up trust, rather than one
    // after the other (docs/PERFORMANCE.md, "Node start time"); the node listens once all of them are up.
    const loginCommitterStarted = tracked(
      startLoginCommitter(storage).then((started) => {
        loginCommitter = started;
        return started;
      }),
    );
    const messageCommitterStarted = tracked(
      startMessageCommitter(storage, {
        onUnknownOutcome: (resolution, error) => {
          metrics.unansweredCommits.inc({ resolution });
          const line = `a message batch's commit lost its answer: ${resolution}`;
          if (resolution === "unresolved") logger.error({ err: error }, line);
          else logger.warn({ err: error }, line);
        },
      }).then((started) => {
        messageCommitter = started;
        return started;
      }),
    );
    const gost = loadGostEngine(config.gostEngine);
    const trust = await setUpTrust(config, logger, createServerPki({ gostEngine: gost.engine }));
    const sms = countedSmsProvider(smsProvider(config, logger), {
      sent: () => metrics.smsSent.inc(),
      failed: () => metrics.smsFailures.inc(),
    });
    const lifetime = { idleMs: config.ttl.tokenIdleMs, maxAgeMs: config.ttl.sessionMaxAgeMs };
    const sessions = new SessionService(storage.db, clock, lifetime);
    const poolStarted = tracked(
      VerifyPool.start({
        size: config.verify.workers,
        queueLimit: config.verify.queue,
        setup: { trust: trust.store.material(), gostEngine: gost.engine },
        onVerified: (seconds, algorithm) => metrics.verified(seconds, algorithm),
        onQueueFull: () => metrics.refused("verify_queue"),
        onWorkerFailure: (error) => logger.error({ err: error }, "verification worker died; replaced"),
      }).then((started) => {
        pool = started;
        return started;
      }),
    );
    const [checker, logins, committer] = await Promise.all([
      poolStarted,
      loginCommitterStarted,
      messageCommitterStarted,
    ]);
    const auth = new AuthService({
      db: storage.db,
      committer: logins,
      checker,
      clock,
      nonceTtlMs: config.ttl.nonceMs,
      logger,
    });
    blobs = await configuredBlobStore(config);
    writer = new MessageWriter({ committer, observer: metrics.writer });
    redis = await connectRedisIfConfigured(config, logger);
    const io = createSocketServer({ preAuthBytes: config.limits.socketPreAuthBytes, redis });
    // Live messages and chat events leave this node in the order they were published.
    const emissions = new EmissionOrder((error) =>
      logger.error({ err: error }, "could not emit a live event"),
    );
    const chatEvents: ChatEvents = new ChatEventPublisher(io, emissions);
    const smsAttemptRate = { count: config.limits.smsPerHourPerAddress, perMs: 3_600_000 };
    const localSmsAttempts = new MemoryRateLimiter(smsAttemptRate, clock);
    const smsAttempts: RateLimiter = redis
      ? new RedisRateLimiter(
          redis.commands,
          smsAttemptRate,
          clock,
          localSmsAttempts,
          new FallbackNotice(logger, "phone registration limits"),
        )
      : localSmsAttempts;
    const phones = new PhoneService({
      db: storage.db,
      sms,
      clock,
      logger,
      codeTtlMs: config.ttl.smsCodeMs,
      maxAttempts: config.limits.smsMaxAttempts,
      resendIntervalMs: config.limits.smsResendIntervalMs,
      perHourPerPhone: config.limits.smsPerHourPerPhone,
      perHourPerAddress: config.limits.smsPerHourPerAddress,
      attempts: smsAttempts,
      limitKey,
      onLimited: (limit) => metrics.refused(limit),
      events: chatEvents,
    });
    const rights = new ChatRights(storage.db);
    const messages = new MessageService({
      db: storage.db,
      blobs,
      writer,
      publisher: new SocketMessagePublisher(io, logger, emissions, { singleNode: !redis }),
      rights,
      clock,
      logger,
      maxTextBytes: config.limits.maxTextBytes,
      maxFileBytes: config.limits.maxFileBytes,
      maxCmsBytes: config.limits.maxCmsBytes,
      maxPageBytes: config.limits.maxPageBytes,
      maxCommitDelayMs: config.blobSweep.graceMs / 2,
    });
    const localLimiter = new MemoryRateLimiter(config.limits.authRate, clock);
    const authRateLimiter: RateLimiter = redis
      ? new RedisRateLimiter(
          redis.commands,
          config.limits.authRate,
          clock,
          localLimiter,
          new FallbackNotice(logger, "login rate limits"),
        )
      : localLimiter;
    const localLookups = new MemoryLookupQuota(clock);
    const lookupQuota: LookupQuota = redis
      ? new RedisLookupQuota(
          redis.commands,
          clock,
          localLookups,
          new FallbackNotice(logger, "contact lookup quotas"),
        )
      : localLookups;
    const lookups: ContactLookupLimit = { quota: lookupQuota, perDay: config.limits.contactLookupsPerDay };
    const gateway = createGateway(io, {
      logger,
      sessions,
      messages,
      rights,
      redis,
      maxPayloadBytes: config.limits.maxBodyBytes,
      maxQueuedBytes: config.limits.socketQueueBytes,
      preAuthBytes: config.limits.socketPreAuthBytes,
      authGraceMs: config.timeouts.socketAuthMs,
      sessionCheckMs: options.sessionCheckMs ?? 60_000,
      sessionEnds: { count: () => sessionsEndedCount(storage.db), pollMs: SESSION_END_POLL_MS },
      drainMs: SOCKET_DRAIN_MS,
      drainSocketsPerSecond: config.drainSocketsPerSecond,
      clientAddress: (request) => clientAddress(request, trustedProxies),
      observer: {
        delivered: (count) => metrics.messageDeliveries.inc(count),
        refusedOverBound: (bound) => metrics.refused(bound === "events" ? "socket_events" : "socket_bytes"),
      },
    });
    const closing = new ClosingGate();
    const http = await buildHttpApp({
      logger,
      closing,
      onSessionsEnded: () => void gateway.endSessionsNow(),
      maxBodyBytes: config.limits.maxBodyBytes,
      maxRequestBytes: config.limits.maxRequestBytes,
      maxBodiesInFlightBytes: config.limits.maxBodiesInFlightBytes,
      timeouts: config.timeouts,
      auth,
      phones,
      sessions,
      authRateLimiter,
      profiles: new ProfileService(storage.db),
      contacts: new ContactService(storage.db, lookups, clock),
      chats: new ChatService(storage.db, clock, logger, chatEvents, lookups),
      membership: new ChatMembershipService({
        db: storage.db,
        clock,
        events: chatEvents,
        logger,
        messagesSettled: () => writer?.settled() ?? Promise.resolve(),
        lookups,
      }),
      chatKeys: new ChatKeysService({ db: storage.db, clock, events: chatEvents, logger }),
      messages,
      files: new FileService(storage.db, blobs),
      readiness,
      metrics,
      proxyTrust: trustedProxies,
      limitKey,
    });
    gateway.attach(http.server);
    // Last: Engine.IO's requests bypass Fastify's hooks, so the closing gate goes in front of the server itself.
    closing.guard(http.server);
    const trustReloader = new TrustReloader({
      sources: config,
      initial: trust.store,
      pki: trust.pki,
      workers: checker,
      db: storage.db,
      clock,
      logger,
      onSessionsEnded: () => void gateway.endSessionsNow(),
    });
    const stopReloading = trustReloader.start(config.crlReloadMs);
    const stopCleanup = startSessionCleanup({
      db: storage.db,
      clock,
      lifetime,
      logger,
      intervalMs: SESSION_CLEANUP_MS,
    });
    const blobSweep = config.blobSweep;
    const sweepMs = options.blobSweepMs ?? blobSweep.intervalMs;
    const stopSweeps =
      sweepMs === "off"
        ? async () => {}
        : startBlobSweeps({
            storage,
            blobs,
            clock,
            graceMs: blobSweep.graceMs,
            logger,
            intervalMs: sweepMs,
            onSwept: (outcome) => {
              metrics.blobSweepScanned.inc(outcome.scanned);
              metrics.blobSweepRemoved.inc(outcome.removed);
              metrics.blobSweepRemovedBytes.inc(outcome.removedBytes);
            },
          });
    const redisLink = redis;
    metrics.observe({
      sockets: () => gateway.census(),
      verifyQueueDepth: () => checker.queueDepth,
      redisUp: () => redisLink?.commands.status === "ready",
      readiness: () => readiness.report(),
    });
    let metricsListener: MetricsListener | undefined;
    const messageWriter = writer;
    const blobStoreInUse = blobs;
    return {
      http,
      storage,
      metrics,
      readiness,
      metricsUrl: () => metricsListener?.url,
      settings: {
        storage: storage.description,
        trust: trust.description,
        sms: sms.description,
        verify: `${config.verify.workers} worker(s), queue ${config.verify.queue}`,
        gost: describeGostEngine(gost),
        files: blobs.description,
        realtime: gateway.description,
      },
      async listen() {
        if (config.metrics !== "off") {
          metricsListener = await startMetricsListener(metrics, config.metrics.host, config.metrics.port);
        }
        try {
          const address = await http.listen({
            host: config.host,
            port: config.port,
            backlog: LISTEN_BACKLOG,
          });
          readiness.started();
          return address;
        } catch (error) {
          await metricsListener?.close();
          throw error;
        }
      },
      reloadTrust: () => trustReloader.reload(),
      async close() {
        stopReloading();
        stopCleanup();
        // A round in progress finishes first: it uses the store and the database closed below.
        await stopSweeps();
        await trustReloader.idle();
        // /readyz answers 503 first, and for CERTCHAT_DRAIN_DELAY nothing else changes, so load balancers
        // stop sending new requests and connections before the sockets are closed.
        readiness.draining();
        if (config.drainDelayMs > 0) await delay(config.drainDelayMs);
        // Sockets first: in-flight events finish and clients are told to reconnect; then Fastify stops
        // accepting and lets in-flight requests finish.
        await gateway.close();
        // HTTP requests are answered 503 (a balancer retries them elsewhere); the listener stays open until they
        // stop arriving, for closing it resets connections still waiting to be accepted.
        closing.shutNow();
        await closing.quiet(config.closingQuietMs);
        await closeHttp(http, options.httpFinishMs ?? HTTP_FINISH_MS);
        // REST sends that finished while HTTP drained announced their messages too: out they go, then Redis.
        await gateway.closeLinks();
        await checker.close();
        blobStoreInUse.close?.();
        await messageWriter.close();
        await logins.close();
        await storage.close();
        await metricsListener?.close();
      },
    };
  } catch (error) {
    // A thread still starting is waited for, so that it is closed too rather than left running.
    await Promise.allSettled(starting);
    redis?.close();
    await pool?.close();
    blobs?.close?.();
    await (writer ?? messageCommitter)?.close();
    await loginCommitter?.close();
    await storage.close();
    throw error;
  }
}

/** Closes Fastify; connections still open after `finishMs` (requests trickling in, see HTTP_FINISH_MS) are cut. */
async function closeHttp(http: FastifyInstance, finishMs: number): Promise<void> {
  const closed = http.close();
  const late = setTimeout(() => http.server.closeAllConnections(), finishMs);
  try {
    await closed;
  } finally {
    clearTimeout(late);
  }
}
