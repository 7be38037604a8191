import { LRUCache } from 'lru-cache';
import type { EventBus } from '../../realtime/bus.js';

export interface CachedSession {
  userId: number;
  expiresAt: number;
  /** When last_used_at was last written, to write it at most once a minute. */
  touchedAt: number;
}

export interface CachedApiToken {
  id: number;
  userId: number;
  expiresAt: number | null;
  touchedAt: number;
}

/** `false` records a credential known to be revoked or absent, so it costs no query either. */
type Entry<T> = T | false;

const REVOKED_TOPIC = 'auth.revoked';

interface RevokedEvent {
  sessionIds?: number[];
  apiTokenHashes?: string[];
}

/**
 * Credentials checked on every request, kept in memory so the hot path makes no database round
 * trip. Revocations apply here at once and reach every other node through the bus; an entry lives
 * at most `ttlMs`, which bounds staleness if a bus message is ever lost.
 */
export class CredentialCache {
  readonly sessions: LRUCache<number, Entry<CachedSession>>;
  readonly cookieSecrets: LRUCache<string, number>;
  readonly apiTokens: LRUCache<string, Entry<CachedApiToken>>;
  private readonly listeners: Array<(sessionIds: number[]) => void> = [];

  constructor(
    private readonly bus: EventBus,
    ttlMs = 60_000,
    max = 100_000,
  ) {
    this.sessions = new LRUCache({ max, ttl: ttlMs });
    this.cookieSecrets = new LRUCache({ max, ttl: ttlMs });
    this.apiTokens = new LRUCache({ max, ttl: ttlMs });
  }

  async start(): Promise<void> {
    await this.bus.subscribe(REVOKED_TOPIC, (event) => this.applyRevocation(event as RevokedEvent));
  }

  /** Called with the ids of revoked sessions, on every node (the WebSocket gateway closes their sockets). */
  onSessionsRevoked(listener: (sessionIds: number[]) => void): void {
    this.listeners.push(listener);
  }

  async revokeSessions(sessionIds: number[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const event: RevokedEvent = { sessionIds };
    this.applyRevocation(event);
    await this.bus.publish(REVOKED_TOPIC, event);
  }

  async revokeApiToken(tokenHash: string): Promise<void> {
    const event: RevokedEvent = { apiTokenHashes: [tokenHash] };
    this.applyRevocation(event);
    await this.bus.publish(REVOKED_TOPIC, event);
  }

  private applyRevocation(event: RevokedEvent): void {
    for (const id of event.sessionIds ?? []) this.sessions.set(id, false);
    for (const hash of event.apiTokenHashes ?? []) this.apiTokens.set(hash, false);
    if (event.sessionIds?.length) for (const listener of this.listeners) listener(event.sessionIds);
  }
}
