import type { OutboxRow } from '../../store/outbox-repository.js';

/**
 * The development outbox, read newest first: the mail kept instead of sent when no SMTP server is
 * configured. `beforeId` continues after the last id already seen.
 */
export interface OutboxReader {
  list(options: { limit: number; beforeId?: number }): Promise<OutboxRow[]>;
}
