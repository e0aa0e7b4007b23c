import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import type { BlobStore } from "./blobs/blob-store.ts";
import { FileSystemBlobStore } from "./blobs/filesystem.ts";
import { S3BlobStore } from "./blobs/s3.ts";
import type { Config } from "./config.ts";
import { buildHttpApp } from "./http/app.ts";
import { describeGostEngine, loadGostEngine, useGostEngineForRawSignatures } from "./pki/gost-engine.ts";
import { VerifyPool } from "./pki/verify-pool.ts";
import { createGateway } from "./realtime/gateway.ts";
import { connectRedis, type RedisLink } from "./realtime/redis-adapter.ts";
import { AuthService } from "./services/auth.ts";
import { ChatService } from "./services/chats.ts";
import { type Clock, systemClock } from "./services/clock.ts";
import { ContactService } from "./services/contacts.ts";
import { FileService } from "./services/files.ts";
import { MessageService } from "./services/messages.ts";
import { PhoneService } from "./services/phones.ts";
import { MemoryRateLimiter, type RateLimiter } from "./services/rate-limiter.ts";
import { RedisRateLimiter } from "./services/redis-rate-limiter.ts";
import { SessionService } from "./services/sessions.ts";
import { ConsoleSmsProvider } from "./sms/console.ts";
import { HttpSmsProvider } from "./sms/http.ts";
import type { SmsProvider } from "./sms/provider.ts";
import {
  migrateToLatest,
  openStorage,
  type Storage,
  type StorageTarget,
  storageTarget,
} from "./storage/database.ts";
import { startMessageCommitter } from "./storage/message-committer.ts";
import { MessageWriter } from "./storage/message-writer.ts";
import { setUpTrust } from "./trust-setup.ts";

export interface ServerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Overrides the storage the configuration names (tests use a fresh PostgreSQL schema). */
  storage?: StorageTarget;
  /** How often sockets' sessions are re-checked (default each minute; tests shorten it). */
  sessionCheckMs?: number;
}

/** In-flight socket events get this long to finish on shutdown before the sockets are closed anyway. */
const SOCKET_DRAIN_MS = 5_000;

export interface CertchatServer {
  http: FastifyInstance;
  storage: Storage;
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
  close(): Promise<void>;
}

function smsProvider(config: Config, logger: Logger): SmsProvider {
  return config.sms.provider === "http"
    ? new HttpSmsProvider(config.sms.url, config.sms.timeoutMs)
    : new ConsoleSmsProvider(logger);
}

function blobStore(config: Config): BlobStore {
  return config.files.store === "s3"
    ? new S3BlobStore(config.files)
    : new FileSystemBlobStore(join(config.dataDir, "files"));
}

/** The composition root: storage, trust, services and the HTTP application, wired once. */
export async function createServer(config: Config, options: ServerOptions = {}): Promise<CertchatServer> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const storage = openStorage(options.storage ?? storageTarget(config.dataDir, config.databaseUrl));
  let pool: VerifyPool | undefined;
  let redis: RedisLink | undefined;
  let blobs: BlobStore | undefined;
  let writer: MessageWriter | undefined;
  try {
    await migrateToLatest(storage);
    const trust = await setUpTrust(config, logger);
    const sms = smsProvider(config, logger);
    const sessions = new SessionService(storage.db, clock, config.ttl.tokenIdleMs);
    const gost = loadGostEngine(config.gostEngine);
    if (gost.engine) useGostEngineForRawSignatures();
    pool = await VerifyPool.start({
      size: config.verify.workers,
      queueLimit: config.verify.queue,
      setup: { trust: trust.store.material(), gostEngine: gost.engine },
      onWorkerFailure: (error) => logger.error({ err: error }, "verification worker died; replaced"),
    });
    const auth = new AuthService({
      db: storage.db,
      checker: pool,
      clock,
      nonceTtlMs: config.ttl.nonceMs,
      logger,
    });
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
    });
    blobs = blobStore(config);
    writer = new MessageWriter({ committer: await startMessageCommitter(storage) });
    const messages = new MessageService({
      db: storage.db,
      blobs,
      writer,
      clock,
      logger,
      maxTextBytes: config.limits.maxTextBytes,
      maxFileBytes: config.limits.maxFileBytes,
      maxCmsBytes: config.limits.maxCmsBytes,
      maxPageBytes: config.limits.maxPageBytes,
    });
    redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : undefined;
    const localLimiter = new MemoryRateLimiter(config.limits.authRate, clock);
    const authRateLimiter: RateLimiter = redis
      ? new RedisRateLimiter(redis.commands, config.limits.authRate, localLimiter)
      : localLimiter;
    const gateway = createGateway({
      logger,
      db: storage.db,
      sessions,
      messages,
      redis,
      maxPayloadBytes: config.limits.maxBodyBytes,
      preAuthBytes: config.limits.socketPreAuthBytes,
      authGraceMs: config.timeouts.socketAuthMs,
      sessionCheckMs: options.sessionCheckMs ?? 60_000,
      drainMs: SOCKET_DRAIN_MS,
    });
    const http = await buildHttpApp({
      logger,
      maxBodyBytes: config.limits.maxBodyBytes,
      maxRequestBytes: config.limits.maxRequestBytes,
      timeouts: config.timeouts,
      db: storage.db,
      auth,
      phones,
      sessions,
      authRateLimiter,
      contacts: new ContactService(storage.db),
      chats: new ChatService(storage.db, clock, logger),
      messages,
      publisher: gateway.publisher,
      files: new FileService(storage.db, blobs),
    });
    gateway.attach(http.server);
    const verifyPool = pool;
    const messageWriter = writer;
    const blobStoreInUse = blobs;
    return {
      http,
      storage,
      settings: {
        storage: storage.description,
        trust: trust.description,
        sms: sms.description,
        verify: `${config.verify.workers} worker(s), queue ${config.verify.queue}`,
        gost: describeGostEngine(gost),
        files: blobs.description,
        realtime: gateway.description,
      },
      listen: () => http.listen({ host: config.host, port: config.port }),
      async close() {
        // Sockets first: in-flight events finish and clients are told to reconnect; then Fastify stops
        // accepting and lets in-flight requests finish.
        await gateway.close();
        await http.close();
        await verifyPool.close();
        blobStoreInUse.close?.();
        await messageWriter.close();
        await storage.close();
      },
    };
  } catch (error) {
    redis?.close();
    await pool?.close();
    blobs?.close?.();
    await writer?.close();
    await storage.close();
    throw error;
  }
}
