import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BusMetrics, Count, DatabaseMetrics, DatabaseStats, MailMetrics, RateLimitMetrics, RealtimeMetrics, SocketCounts } from './metrics.js';

/**
 * The metrics of one app, in one Prometheus registry (a registry per app keeps test servers
 * apart): the process's own, and the series of the sockets, the bus, the mail queue, the database
 * and the rate limits. The HTTP series are added to the same registry by the HTTP server.
 */
export interface AppMetrics {
  registry: Registry;
  realtime: RealtimeMetrics;
  bus: BusMetrics;
  mail: MailMetrics;
  database: DatabaseMetrics;
  rateLimits: RateLimitMetrics;
}

/** A count that is a plain number; the counter reads it at scrape time. */
class Tally implements Count {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

/**
 * A Prometheus counter whose series are `Tally`s: bound once per label set (a Map lookup), then
 * each `inc()` is one addition. prom-client's own bound children hash their labels on every call.
 */
function tallies<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
  const series = new Map<string, { labels: Record<L, string>; tally: Tally }>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, tally } of series.values()) this.inc(labels, tally.value);
    },
  });
  return (labels: Record<L, string>): Tally => {
    const key = labelNames.map((l) => labels[l]).join('\u0000');
    let found = series.get(key);
    if (!found) {
      found = { labels, tally: new Tally() };
      series.set(key, found);
    }
    return found.tally;
  };
}

/**
 * Close codes worth a series of their own: the standard ones and ours (docs/REALTIME.md; 4403 from a
 * dialect's socket). Any other code a client sends is `other`, so clients cannot mint label values.
 */
const KNOWN_CLOSE_CODES = new Set([1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1011, 4008, 4029, 4400, 4401, 4403, 4409, 4410, 4413]);
const closeCodeLabel = (code: number) => (KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other');

export function createMetrics(): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // WebSockets.
  const opened = tallies(registry, 'ws_connections_opened_total', 'WebSocket connections accepted, by protocol', ['protocol']);
  const closed = tallies(registry, 'ws_connections_closed_total', 'WebSocket connections ended, by protocol and close code (1006: dropped without a close frame)', ['protocol', 'code']);
  const framesReceived = tallies(registry, 'ws_frames_received_total', 'Frames received from clients, by protocol', ['protocol']);
  const framesSent = tallies(registry, 'ws_frames_sent_total', 'Frames written to clients (events, answers, ready), by protocol', ['protocol']);
  const eventsDelivered = tallies(registry, 'ws_events_delivered_total', 'Events handed to the sockets of this node, by event type', ['type']);
  const eventFrames = tallies(registry, 'ws_event_frames_total', 'Frames written to sockets for events, by event type (divided by ws_events_delivered_total: the fan-out)', ['type']);
  const rejections = tallies(registry, 'rate_limit_rejections_total', 'Requests refused by a rate limit (429), and sockets closed for their frame rate (4029), by limit and route (or protocol)', ['limit', 'route']);
  const protocols = new Map<string, SocketCounts>();
  let countConnections: (() => Map<string, number>) | undefined;
  new Gauge({
    name: 'ws_connections',
    help: 'WebSocket connections open on this node, by protocol',
    labelNames: ['protocol'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = countConnections?.() ?? new Map<string, number>();
      for (const protocol of protocols.keys()) this.set({ protocol }, counts.get(protocol) ?? 0);
      for (const [protocol, n] of counts) if (!protocols.has(protocol)) this.set({ protocol }, n);
    },
  });
  const events = new Map<string, { delivered: Tally; frames: Tally }>();
  const realtime: RealtimeMetrics = {
    protocol(name) {
      let counts = protocols.get(name);
      if (!counts) {
        counts = {
          opened: opened({ protocol: name }),
          framesReceived: framesReceived({ protocol: name }),
          framesSent: framesSent({ protocol: name }),
          frameRateExceeded: rejections({ limit: 'ws-frames', route: name }),
        };
        protocols.set(name, counts);
      }
      return counts;
    },
    closed: (protocol, code) => closed({ protocol, code: closeCodeLabel(code) }).inc(),
    delivered(type, frames) {
      let counts = events.get(type);
      if (!counts) {
        counts = { delivered: eventsDelivered({ type }), frames: eventFrames({ type }) };
        events.set(type, counts);
      }
      counts.delivered.value += 1;
      counts.frames.value += frames;
    },
    watchConnections(count) {
      countConnections = count;
    },
  };

  // The event bus.
  const published = tallies(registry, 'bus_published_total', 'Events published on the bus by this node, by topic', ['topic']);
  const received = tallies(registry, 'bus_received_total', 'Events this node received from the bus, by topic', ['topic']);
  const topics = new Map<string, { published: Tally; received: Tally }>();
  const topic = (name: string) => {
    let counts = topics.get(name);
    if (!counts) {
      counts = { published: published({ topic: name }), received: received({ topic: name }) };
      topics.set(name, counts);
    }
    return counts;
  };
  const bus: BusMetrics = {
    published: (name) => void (topic(name).published.value += 1),
    received: (name) => void (topic(name).received.value += 1),
  };

  // Mail.
  let queueDepth: (() => number) | undefined;
  new Gauge({
    name: 'mail_queue_depth',
    help: 'Mail queued and not yet sent or failed',
    registers: [registry],
    collect() {
      this.set(queueDepth?.() ?? 0);
    },
  });
  const mail: MailMetrics = {
    queued: tallies(registry, 'mail_queued_total', 'Mail queued for sending', [])({}),
    sent: tallies(registry, 'mail_sent_total', 'Mail sent (to SMTP, or kept in the development outbox)', [])({}),
    failed: tallies(registry, 'mail_failed_total', 'Mail that could not be sent', [])({}),
    watchQueue(depth) {
      queueDepth = depth;
    },
  };

  // The database: counts read at scrape time; pool gauges only for an engine with a pool.
  const database: DatabaseMetrics = {
    watch(stats: () => DatabaseStats) {
      const { engine, pool } = stats();
      new Counter({
        name: 'db_queries_total',
        help: 'Statements run through the query builder, by engine',
        labelNames: ['engine'],
        registers: [registry],
        collect() {
          this.reset();
          this.inc({ engine }, stats().queries);
        },
      });
      if (!pool) return;
      const gauge = (name: string, help: string, read: (p: NonNullable<DatabaseStats['pool']>) => number) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            const current = stats().pool;
            if (current) this.set(read(current));
          },
        });
      gauge('db_pool_connections', 'Connections the PostgreSQL pool holds, busy or idle', (p) => p.total);
      gauge('db_pool_idle_connections', 'Connections of the PostgreSQL pool not in use', (p) => p.idle);
      gauge('db_pool_waiting_requests', 'Queries waiting for a connection of the PostgreSQL pool', (p) => p.waiting);
    },
  };

  const rateLimits: RateLimitMetrics = {
    rejected: (limit, route) => rejections({ limit, route }).inc(),
  };

  return { registry, realtime, bus, mail, database, rateLimits };
}
