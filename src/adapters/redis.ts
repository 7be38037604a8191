import { Redis } from 'ioredis';

/**
 * A Redis connection that never crashes the process: ioredis reconnects on its own, commands fail
 * fast while it is down (no unbounded offline queue), and `/ready` reports the outage.
 */
export function connectRedis(url: string, name: string): Redis {
  const client = new Redis(url, {
    connectionName: name,
    // ioredis 5.8.2+ sends CLIENT SETINFO in its handshake and can let a SUBSCRIBE queued while
    // connecting slip in before the ready check's INFO, which Redis then refuses in subscriber
    // mode: the connection restarts and loses what was published meanwhile (ioredis issue #2037).
    disableClientInfo: true,
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  client.on('error', () => {
    // Reported through readiness and the failing command; reconnection is automatic.
  });
  return client;
}

/** Resolves when the connection answers PING within the timeout. */
export async function pingRedis(client: Redis, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer in time')), timeoutMs);
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
