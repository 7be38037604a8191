/** A small typed event emitter: `on(type, handler)` is typed per event, and returns the way to stop. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => unknown;

export class Emitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly handlers = new Map<keyof Events, Set<Handler>>();

  /** Calls `handler` on every `type` event; returns a function that stops it. */
  on<K extends keyof Events>(type: K, handler: (...args: Events[K]) => unknown): () => void {
    let set = this.handlers.get(type);
    if (!set) this.handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => this.off(type, handler);
  }

  /** Calls `handler` on the next `type` event only. */
  once<K extends keyof Events>(type: K, handler: (...args: Events[K]) => unknown): () => void {
    const stop = this.on(type, (...args: Events[K]) => {
      stop();
      return handler(...args);
    });
    return stop;
  }

  off<K extends keyof Events>(type: K, handler: (...args: Events[K]) => unknown): void {
    this.handlers.get(type)?.delete(handler);
  }

  /**
   * Calls every handler of `type` in the order they were added, and returns what they returned.
   * A handler that throws does not stop the others or the client: its error is reported the way
   * an event listener's is (thrown again on a fresh stack), and a rejected promise likewise.
   */
  protected emit<K extends keyof Events>(type: K, ...args: Events[K]): unknown[] {
    const results: unknown[] = [];
    for (const handler of [...(this.handlers.get(type) ?? [])]) {
      try {
        const result = handler(...args);
        if (isPromise(result)) result.catch(reportLater);
        results.push(result);
      } catch (error) {
        reportLater(error);
      }
    }
    return results;
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function reportLater(error: unknown): void {
  setTimeout(() => {
    throw error;
  }, 0);
}
