import type { Mailer, MailMessage } from '../../adapters/mail/mailer.js';
import type { MailMetrics } from '../../adapters/metrics.js';

/**
 * Sends mail after the request has been answered, so an answer takes the same time whether or not
 * a mail went out (no account enumeration by timing). Shutdown waits for what is in flight.
 */
export class MailQueue {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly onError: (error: unknown, message: MailMessage) => void,
    private readonly metrics: MailMetrics,
  ) {
    metrics.watchQueue(() => this.inFlight.size);
  }

  enqueue(message: MailMessage): void {
    this.metrics.queued.inc();
    const sending = this.mailer
      .send(message)
      .then(
        () => this.metrics.sent.inc(),
        (error: unknown) => {
          this.metrics.failed.inc();
          this.onError(error, message);
        },
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
