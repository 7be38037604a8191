import type { BusMetrics } from '../metrics.js';

/**
 * Events between nodes. Every subscriber of a topic, on every node including the publisher's,
 * receives each event published to it exactly once, in publish order per publisher.
 * Events are plain JSON-serialisable values, and read-only: a handler must not change one.
 */
export interface EventBus {
  publish(topic: string, event: unknown): Promise<void>;
  /** Returns a function that removes this handler. */
  subscribe(topic: string, handler: EventHandler): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export type EventHandler = (event: unknown) => void;
export type Unsubscribe = () => Promise<void>;

/** For a bus built without metrics. */
export const uncountedBus: BusMetrics = { published() {}, received() {} };

/** Holds handlers per topic; both bus implementations deliver through it, and count what arrives. */
export class TopicHandlers {
  private readonly byTopic = new Map<string, Set<EventHandler>>();

  constructor(private readonly metrics: BusMetrics) {}

  /** Returns true when this is the topic's first handler. */
  add(topic: string, handler: EventHandler): boolean {
    let handlers = this.byTopic.get(topic);
    const first = !handlers;
    if (!handlers) {
      handlers = new Set();
      this.byTopic.set(topic, handlers);
    }
    handlers.add(handler);
    return first;
  }

  /** Returns true when the topic has no handlers left. */
  remove(topic: string, handler: EventHandler): boolean {
    const handlers = this.byTopic.get(topic);
    if (!handlers) return false;
    handlers.delete(handler);
    if (handlers.size > 0) return false;
    this.byTopic.delete(topic);
    return true;
  }

  deliver(topic: string, event: unknown, onError: (error: unknown) => void): void {
    this.metrics.received(topic);
    const handlers = this.byTopic.get(topic);
    if (!handlers) return;
    for (const handler of handlers) {
      try {
        handler(event);
      } catch (error) {
        onError(error);
      }
    }
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  clear(): void {
    this.byTopic.clear();
  }
}
