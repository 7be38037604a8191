import type { Clock } from '../../adapters/clock.js';
import type { SyncLogWriter } from '../../store/sync-log-writer.js';

/** An event, who gets it, and its position in the sync log when it has one. */
export interface Recorded {
  to: readonly number[];
  event: unknown;
  position: number | undefined;
}

/** Hands a batch of events to the bus, in order, as one message. */
export type Deliver = (batch: readonly Recorded[]) => Promise<void>;

interface Pending {
  to: readonly number[];
  event: unknown;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** The most events one transaction appends; more wait for the next. */
const MAX_BATCH = 1000;

/**
 * Records each event in the sync log before it goes out live, so a client that missed the frame
 * gets the same event from `GET /sync`. Events that arrive while one batch is being written go into
 * the next, and each batch is one append (one commit) and one bus message, so recording costs a
 * send little. A batch is delivered in position order; batches one after another, never two at
 * once. The first event after a quiet spell is written at once (a microtask, not the next turn of
 * the event loop): waiting a turn to gather more cost every send a turn of latency, which under
 * load was a third of the rate.
 */
export class SyncRecorder {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing = false;

  constructor(
    private readonly deps: {
      writer: SyncLogWriter;
      deliver: Deliver;
      clock: Clock;
      onError: (error: unknown) => void;
    },
  ) {}

  /** Resolves once the event is recorded and handed to the bus. */
  record(to: readonly number[], event: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ to, event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing || this.queue.length === 0) return;
    this.scheduled = true;
    queueMicrotask(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    // Settles with the delivery's error, or undefined; never rejects, so a bus failure inside the
    // append does not roll back what was recorded.
    let delivered: Promise<unknown> | undefined;
    const deliverAll = (first: number | undefined) => {
      const recorded = batch.map((p, i) => ({ to: p.to, event: p.event, position: first === undefined ? undefined : first + i }));
      delivered = this.deps.deliver(recorded).then(
        () => undefined,
        (error: unknown) => error ?? new Error('delivery failed'),
      );
      return delivered;
    };
    try {
      const entries = batch.map((p) => ({ to: p.to, payload: JSON.stringify(p.event) }));
      await this.deps.writer.append(entries, this.deps.clock.now(), async (first) => {
        await deliverAll(first);
      });
    } catch (error) {
      this.deps.onError(error);
      // Not recorded: the events still go out live, without a position.
      if (!delivered) await deliverAll(undefined);
    } finally {
      // One bus message carries the batch, so its sends succeed or fail together.
      const failure = delivered ? await delivered : new Error('not delivered');
      for (const p of batch) {
        if (failure === undefined) p.resolve();
        else p.reject(failure);
      }
      this.flushing = false;
      this.schedule();
    }
  }
}
