import type { BusMetrics } from '../metrics.js';
import { TopicHandlers, uncountedBus, type EventBus, type EventHandler, type Unsubscribe } from './bus.js';

/** The single-node bus: delivery within this process, after the publisher's current task. */
export class InProcessBus implements EventBus {
  private readonly handlers: TopicHandlers;

  constructor(
    private readonly onHandlerError: (error: unknown) => void = () => {},
    private readonly metrics: BusMetrics = uncountedBus,
  ) {
    this.handlers = new TopicHandlers(metrics);
  }

  async publish(topic: string, event: unknown): Promise<void> {
    this.metrics.published(topic);
    // Handlers get the publisher's object itself, not a copy: events are read-only by contract
    // (copying every event cost a serialization per message on the hot path).
    queueMicrotask(() => this.handlers.deliver(topic, event, this.onHandlerError));
  }

  async subscribe(topic: string, handler: EventHandler): Promise<Unsubscribe> {
    this.handlers.add(topic, handler);
    return async () => {
      this.handlers.remove(topic, handler);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
