/**
 * What the components count, as small interfaces. The connection registry, the event bus, the
 * mail queue, the database and the rate limits see only these; the composition root hands them
 * the Prometheus implementation (`prometheus.ts`), and a component built without one counts
 * nothing. Counting is `inc()` on a count bound once to its labels, a plain addition; what is a
 * level rather than a count (open sockets, pool connections, mail in flight) is read from a
 * callback when `/metrics` is scraped, so it costs nothing in between.
 */

/** One series of a counter, bound to its labels. */
export interface Count {
  inc(by?: number): void;
}

/** The counts of one protocol's sockets, bound once per protocol. */
export interface SocketCounts {
  opened: Count;
  /** Frames clients sent, counted before the frame-rate check. */
  framesReceived: Count;
  /** Frames written to clients: events, answers, `ready`. */
  framesSent: Count;
  /** Sockets closed for sending frames too fast (4029). */
  frameRateExceeded: Count;
}

export interface RealtimeMetrics {
  protocol(name: string): SocketCounts;
  closed(protocol: string, code: number): void;
  /** One event handed to this node's sockets, written as `frames` frames (0 when none of them wanted it). */
  delivered(eventType: string, frames: number): void;
  /** Reads the open sockets, by protocol, at each scrape. */
  watchConnections(countByProtocol: () => Map<string, number>): void;
}

export interface BusMetrics {
  published(topic: string): void;
  /** An event arrived on this node (once per event, whatever the number of handlers). */
  received(topic: string): void;
}

export interface MailMetrics {
  queued: Count;
  sent: Count;
  failed: Count;
  /** Reads the mail queued and not yet sent or failed, at each scrape. */
  watchQueue(depth: () => number): void;
}

export interface RateLimitMetrics {
  /** A request (or a socket) refused by the limit named `limit` on `route`. */
  rejected(limit: string, route: string): void;
}

/** What a database says of itself at scrape time. */
export interface DatabaseStats {
  engine: string;
  /** Statements run through the query builder since start-up. */
  queries: number;
  /** PostgreSQL's connection pool; SQLite has one connection and no pool. */
  pool?: { total: number; idle: number; waiting: number };
}

export interface DatabaseMetrics {
  watch(stats: () => DatabaseStats): void;
}
