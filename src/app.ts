import fs from 'node:fs';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { connectRedis, pingRedis } from './adapters/redis.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import type { ReadinessCheck } from './http/ops-routes.js';
import type { EventBus } from './realtime/bus.js';
import { InProcessBus } from './realtime/in-process-bus.js';
import { RedisBus } from './realtime/redis-bus.js';
import { openDatabase, type DatabaseHandle } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';

export interface App {
  config: Config;
  http: HttpServer;
  database: DatabaseHandle;
  bus: EventBus;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes the bus, Redis and the database. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Extra routes or hooks on the HTTP server before it is ready (used by tests). */
  configureHttp?: (http: HttpServer) => void | Promise<void>;
}

const version = (JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The composition root: adapters, stores, services, HTTP and realtime, wired once. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const database = openDatabase(config);
  const closers: Array<() => Promise<unknown>> = [() => database.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };

  try {
    await migrateToLatest(database, config.database.schema);

    const readinessChecks: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
    let bus: EventBus;
    let onBusError: (error: unknown) => void = () => {};
    const reportBusError = (error: unknown) => onBusError(error);
    if (config.redis.url) {
      const publisher: Redis = connectRedis(config.redis.url, 'messenger-pub');
      const subscriber: Redis = connectRedis(config.redis.url, 'messenger-sub');
      closers.push(async () => {
        publisher.disconnect();
        subscriber.disconnect();
      });
      bus = new RedisBus(publisher, subscriber, config.redis.keyPrefix, reportBusError);
      readinessChecks.push({ name: 'redis', check: () => pingRedis(publisher) });
    } else {
      bus = new InProcessBus(reportBusError);
    }
    closers.push(() => bus.close());

    const http = await createHttpServer({ config, version, readinessChecks });
    onBusError = (error) => http.log.error({ err: error }, 'event handler failed');
    await options.configureHttp?.(http);
    await http.ready();

    return {
      config,
      http,
      database,
      bus,
      listen: () => http.listen({ host: config.host, port: config.port }),
      close: async () => {
        await http.close();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
