import { loadWebClient } from '../http/web-client.js';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { BlobStore } from '../adapters/blobs/blob-store.js';
import { FsBlobStore } from '../adapters/blobs/fs-blob-store.js';
import { S3BlobStore } from '../adapters/blobs/s3-blob-store.js';
import type { EventBus } from '../adapters/bus/bus.js';
import { InProcessBus } from '../adapters/bus/in-process-bus.js';
import { RedisBus } from '../adapters/bus/redis-bus.js';
import type { Clock } from '../adapters/clock.js';
import { FileUrls } from '../adapters/file-urls.js';
import type { Mailer } from '../adapters/mail/mailer.js';
import { OutboxMailer } from '../adapters/mail/outbox-mailer.js';
import { SmtpMailer } from '../adapters/mail/smtp-mailer.js';
import { createMetrics, type AppMetrics } from '../adapters/prometheus.js';
import { CachedPresenceStore } from '../adapters/cached-presence-store.js';
import { MemoryPresenceStore, RedisPresenceStore, type PresenceStore } from '../adapters/presence-store.js';
import { connectRedis, pingRedis } from '../adapters/redis.js';
import { deriveKey, loadRootSecret, type KeyPurpose } from '../adapters/secrets.js';
import type { ReadinessCheck } from '../http/ops-routes.js';
import { registerRateLimits } from '../http/rate-limits.js';
import { createHttpServer, type HttpServer } from '../http/server.js';
import { BusDelivery } from '../realtime/delivery.js';
import { MailQueue } from '../services/mail/mail-queue.js';
import { openDatabase, type DatabaseHandle } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { OutboxRepository } from '../store/outbox-repository.js';
import type { AttachmentLinks } from '../views/chats.js';
import type { PostImageLinks } from '../views/posts.js';
import { POST_IMAGE_SIDES, displayKey, thumbnailKey } from '../services/posts/post-images.js';
import { uploadView } from '../views/uploads.js';

/**
 * What every capability is built from, made once per process: the database (migrated), the event
 * bus, Redis, presence, the blob store and its signed URLs, the HTTP server (with its rate-limit
 * store) and its logger, outgoing mail, the keys derived from the root secret, and the sink that
 * carries events to every node's sockets. It owns the readiness checks and the shutdown steps,
 * which capabilities add to.
 */

export type FileLinks = AttachmentLinks & PostImageLinks;
export interface Infrastructure {
  config: Config;
  clock: Clock;
  database: DatabaseHandle;
  bus: EventBus;
  /** The command connection (rate limits, presence, attempt counters); undefined without REDIS_URL. */
  redis: Redis | undefined;
  blobs: BlobStore;
  /** Signs the `/files/…` URLs the API hands out. */
  fileUrls: FileUrls;
  /** How attachments appear in JSON, with their signed URLs. */
  /** Signed URLs of stored files, as the views show them: attachments and post images. */
  links: FileLinks;
  /** Sockets per user on every node (through Redis when configured). */
  presence: PresenceStore;
  /** Events to users' sockets, on whichever node holds them. */
  delivery: BusDelivery;
  http: HttpServer;
  log: FastifyBaseLogger;
  /** The app's Prometheus registry and what each component counts with (`/metrics`). */
  metrics: AppMetrics;
  mail: MailQueue;
  /** The development outbox, where mail goes without SMTP_URL. */
  outbox: OutboxRepository;
  /** A key for one purpose, derived from the root secret. */
  key: (purpose: KeyPurpose) => Buffer;
  /** What `/ready` checks; a capability that depends on another service adds its check here. */
  readiness: ReadinessCheck[];
  /** Adds a shutdown step; steps run in the reverse order of adding, after HTTP has closed. */
  onClose(step: () => Promise<unknown>): void;
  /** Runs the shutdown steps (each once; a failing step does not stop the others). */
  close(): Promise<void>;
}

const version = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function buildInfrastructure(config: Config, clock: Clock): Promise<Infrastructure> {
  const metrics = createMetrics();
  const database = openDatabase(config);
  metrics.database.watch(() => database.stats());
  const steps: Array<() => Promise<unknown>> = [() => database.close()];
  const close = async () => {
    for (const step of steps.splice(0).reverse()) await step().catch(() => {});
  };
  try {
    await migrateToLatest(database, config.database.schema);
    const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];

    // The logger exists once the HTTP server does; bus errors before that are dropped.
    const logger: { current?: FastifyBaseLogger } = {};
    const reportBusError = (error: unknown) => logger.current?.error({ err: error }, 'event bus error');
    let redis: Redis | undefined;
    let bus: EventBus;
    if (config.redis.url) {
      // Commands (rate limits), publishing, and subscribing each need their own connection.
      redis = connectRedis(config.redis.url, 'messenger-cmd');
      const publisher = connectRedis(config.redis.url, 'messenger-pub');
      const subscriber = connectRedis(config.redis.url, 'messenger-sub');
      const connections = [redis, publisher, subscriber];
      steps.push(async () => connections.forEach((c) => c.disconnect()));
      bus = new RedisBus(publisher, subscriber, config.redis.keyPrefix, reportBusError, metrics.bus);
      readiness.push({ name: 'redis', check: () => pingRedis(publisher) });
    } else {
      bus = new InProcessBus(reportBusError, metrics.bus);
    }
    const eventBus = bus;
    steps.push(() => eventBus.close());

    // Files: one private bucket when configured, else the disk under DATA_DIR.
    let blobs: BlobStore;
    if (config.s3) {
      const bucket = new S3BlobStore(config.s3);
      steps.push(async () => bucket.close());
      readiness.push({ name: 's3', check: () => bucket.ping() });
      blobs = bucket;
    } else {
      blobs = new FsBlobStore(path.join(config.dataDir, 'files'));
    }

    const http = await createHttpServer({ config, version, readinessChecks: readiness, metrics, webClient: await loadWebClient(config) });
    logger.current = http.log;
    await registerRateLimits(http, { enabled: config.rateLimits.enabled, redis, keyPrefix: config.redis.keyPrefix, metrics: metrics.rateLimits });

    const outbox = new OutboxRepository(database.db);
    const mailer: Mailer = config.mail.smtpUrl
      ? new SmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from })
      : new OutboxMailer({ outbox, log: (line, details) => http.log.info(details, line), now: () => clock.now() });
    const mail = new MailQueue(
      mailer,
      (error, message) => http.log.error({ err: error, to: message.to, subject: message.subject }, 'mail not sent'),
      metrics.mail,
    );
    steps.push(async () => {
      await mail.drain();
      await mailer.close();
    });

    const rootSecret = loadRootSecret(config.auth.secret, config.dataDir);
    const fileUrls = new FileUrls(deriveKey(rootSecret, 'file-url'), { ttlSeconds: config.uploads.urlTtlSeconds, now: () => clock.now() });
    const links: FileLinks = {
      view: (attachment) => uploadView(attachment, fileUrls),
      display: (key) => fileUrls.sign(displayKey(key)),
      thumbnail: (key) => fileUrls.sign(thumbnailKey(key)),
      thumbnailSide: POST_IMAGE_SIDES.thumbnail,
    };
    // Each node counts its own sockets in Redis; what others hold is looked up there, and remembered.
    const presence: PresenceStore = redis
      ? await CachedPresenceStore.create(new RedisPresenceStore(redis, config.redis.keyPrefix, Math.ceil((config.realtime.heartbeatMs * 3) / 1000)), bus)
      : new MemoryPresenceStore();
    return {
      config,
      clock,
      database,
      bus,
      redis,
      blobs,
      fileUrls,
      links,
      presence,
      delivery: new BusDelivery(bus),
      http,
      log: http.log,
      metrics,
      mail,
      outbox,
      key: (purpose) => deriveKey(rootSecret, purpose),
      readiness,
      onClose: (step) => void steps.push(step),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
