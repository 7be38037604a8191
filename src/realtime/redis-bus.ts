import type { Redis } from 'ioredis';
import { TopicHandlers, type EventBus, type EventHandler, type Unsubscribe } from './bus.js';

/**
 * The multi-node bus over Redis pub/sub. One connection publishes, a second subscribes (a Redis
 * connection in subscriber mode can do nothing else). Topics are namespaced by the key prefix so
 * deployments can share a Redis server.
 */
export class RedisBus implements EventBus {
  private readonly handlers = new TopicHandlers();
  /** SUBSCRIBE commands in flight, so a second subscriber to a topic waits until it is live. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly onHandlerError: (error: unknown) => void = () => {},
  ) {
    // After a reconnect (or when Redis was down at start-up), subscribe to every topic again;
    // SUBSCRIBE is idempotent on a connection.
    subscriber.on('ready', () => {
      const topics = this.handlers.topics().map((t) => prefix + t);
      if (topics.length > 0) subscriber.subscribe(...topics).catch(onHandlerError);
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
    await this.publisher.publish(this.prefix + topic, JSON.stringify(event));
  }

  async subscribe(topic: string, handler: EventHandler): Promise<Unsubscribe> {
    if (this.handlers.add(topic, handler)) {
      const subscribing = this.subscriber.subscribe(this.prefix + topic);
      this.pending.set(topic, subscribing);
      try {
        await subscribing;
      } catch (error) {
        // Redis is unreachable: keep the handler, the 'ready' listener subscribes once it is back
        // (readiness reports the outage meanwhile).
        this.onHandlerError(error);
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

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
