import { TopicHandlers, type EventBus, type EventHandler, type Unsubscribe } from './bus.js';

/** The single-node bus: delivery within this process, after the publisher's current task. */
export class InProcessBus implements EventBus {
  private readonly handlers = new TopicHandlers();

  constructor(private readonly onHandlerError: (error: unknown) => void = () => {}) {}

  async publish(topic: string, event: unknown): Promise<void> {
    // Round-trip through JSON so subscribers get the same copy semantics as across nodes.
    const copy: unknown = JSON.parse(JSON.stringify(event));
    queueMicrotask(() => this.handlers.deliver(topic, copy, this.onHandlerError));
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
