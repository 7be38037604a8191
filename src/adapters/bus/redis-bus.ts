import type { Redis } from 'ioredis';
import type { BusMetrics } from '../metrics.js';
import { TopicHandlers, uncountedBus, type EventBus, type EventHandler, type Unsubscribe } from './bus.js';

/** How long a subscribe whose SUBSCRIBE failed waits for the connection to come back. */
const RESUBSCRIBE_WAIT_MS = 3000;

/**
 * The multi-node bus over Redis pub/sub. One connection publishes, a second subscribes (a Redis
 * connection in subscriber mode can do nothing else). Topics are namespaced by the key prefix so
 * deployments can share a Redis server.
 */
export class RedisBus implements EventBus {
  private readonly handlers: TopicHandlers;
  /** SUBSCRIBE commands in flight, so a second subscriber to a topic waits until it is live. */
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Settles at the next resubscription of every topic once the connection is (re)established. */
  private resubscribed = signal();
  /** Set when a wait for the connection ran out; later subscribes do not wait until it is back. */
  private unreachable = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly onHandlerError: (error: unknown) => void = () => {},
    private readonly metrics: BusMetrics = uncountedBus,
  ) {
    this.handlers = new TopicHandlers(metrics);
    // After a reconnect (or when Redis was down at start-up), subscribe to every topic again;
    // SUBSCRIBE is idempotent on a connection.
    subscriber.on('ready', () => {
      this.unreachable = false;
      const topics = this.handlers.topics().map((t) => prefix + t);
      (topics.length > 0 ? subscriber.subscribe(...topics) : Promise.resolve()).then(() => this.announceResubscribed(), onHandlerError);
    });
    subscriber.on('message', (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return;
      let event: unknown;
      try {
        event = JSON.parse(message);
      } catch (error) {
        onHandlerError(error);
        return;
      }
      this.handlers.deliver(channel.slice(prefix.length), event, this.onHandlerError);
    });
  }

  async publish(topic: string, event: unknown): Promise<void> {
    this.metrics.published(topic);
    await this.publisher.publish(this.prefix + topic, JSON.stringify(event));
  }

  async subscribe(topic: string, handler: EventHandler): Promise<Unsubscribe> {
    if (this.handlers.add(topic, handler)) {
      const subscribing = this.subscribeOnce(topic);
      this.pending.set(topic, subscribing);
      try {
        await subscribing;
      } finally {
        this.pending.delete(topic);
      }
    } else {
      await this.pending.get(topic);
    }
    return async () => {
      if (this.handlers.remove(topic, handler)) await this.subscriber.unsubscribe(this.prefix + topic);
    };
  }

  /**
   * Resolves once the topic is live on Redis. When the SUBSCRIBE fails (the connection dropped, or
   * is not up yet), the handler stays and the 'ready' listener subscribes it again: wait for that,
   * a bounded time, so a caller does not publish into a subscription that is not there yet. Once
   * one wait has run out, Redis counts as down (readiness reports it) and nobody else waits.
   */
  private async subscribeOnce(topic: string): Promise<void> {
    try {
      await this.subscriber.subscribe(this.prefix + topic);
    } catch (error) {
      this.onHandlerError(error);
      if (this.unreachable) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), RESUBSCRIBE_WAIT_MS)));
      this.unreachable = await Promise.race([this.resubscribed.promise.then(() => false), timedOut]);
      clearTimeout(timer);
    }
  }

  /** Wakes every subscribe waiting for the connection, and starts a new wait for the next outage. */
  private announceResubscribed(): void {
    const current = this.resubscribed;
    this.resubscribed = signal();
    current.resolve();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.announceResubscribed();
  }
}

/** A promise and the function that resolves it (Promise.withResolvers arrives with Node 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
