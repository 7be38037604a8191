import type { SyncLogRepository } from '../../store/sync-log-repository.js';
import { DomainError, notFound, validationError } from '../errors.js';

/** One recorded event as a reader gets it back: the domain event, and its token. */
export interface SyncedEvent {
  token: string;
  event: unknown;
}

export interface SyncPage {
  events: SyncedEvent[];
  /** Where to continue from: the last event's token, or, when nothing is left, "now". */
  nextToken: string;
  hasMore: boolean;
}

/** A position in the sync log as clients see it. */
export const syncTokenOf = (position: number): string => String(position);

/** The position a token stands for; refuses anything this server would not have handed out. */
export function positionOf(token: string): number {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(token)) throw validationError('invalid_sync_token', 'Not a sync token from this server', [{ field: 'since', message: 'not a sync token' }]);
  return Number(token);
}

/** The largest page `since` answers. */
export const MAX_SYNC_PAGE = 1000;

/**
 * What changed for a user since a token: the events recorded for them (sync-recorder.ts), in
 * order. A token is a position in the log, written as a decimal string; tokens only grow.
 */
export class SyncService {
  constructor(
    private readonly deps: {
      log: Pick<SyncLogRepository, 'state' | 'eventsFor'>;
      enabled: boolean;
    },
  ) {}

  get enabled(): boolean {
    return this.deps.enabled;
  }

  /** A token for "now": syncing from it later brings what happens after this call. */
  async now(): Promise<string> {
    this.ensureEnabled();
    return syncTokenOf((await this.deps.log.state()).head);
  }

  /** Up to `limit` of the user's events after `since`. */
  async since(userId: number, since: string, limit: number): Promise<SyncPage> {
    this.ensureEnabled();
    const after = positionOf(since);
    // The head is read first: everything up to it is committed, so "now" can never skip an event.
    const { head, prunedThrough } = await this.deps.log.state();
    if (after < prunedThrough || after > head) {
      throw new DomainError('gone', 'resync_required', after > head ? 'This token is not from this server’s history; reload the chats and sync from a new token' : 'This token is older than the kept history; reload the chats and sync from a new token');
    }
    const rows = await this.deps.log.eventsFor(userId, after, head, limit + 1);
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    return {
      events: page.map((r) => ({ token: syncTokenOf(r.position), event: JSON.parse(r.payload) as unknown })),
      nextToken: syncTokenOf(hasMore ? page[page.length - 1]!.position : head),
      hasMore,
    };
  }

  private ensureEnabled(): void {
    if (!this.deps.enabled) throw notFound('sync_disabled', 'This server does not record events for sync');
  }
}
