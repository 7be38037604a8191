import { LRUCache } from 'lru-cache';
import type { EventBus } from '../../adapters/bus/bus.js';

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
/** last_used_at is written at most this often per credential. */
const TOUCH_INTERVAL_MS = 60_000;

interface RevokedEvent {
  sessionIds?: number[];
  apiTokenHashes?: string[];
  apiTokenIds?: number[];
}

/** Credentials that just stopped working, for whoever holds connections opened with them. */
export interface Revoked {
  sessionIds: number[];
  apiTokenIds: number[];
}

/**
 * Credentials checked on every request, kept in memory so the hot path makes no database round
 * trip. Revocations apply here at once and reach every other node through the bus; an entry lives
 * at most `ttlMs`, which bounds staleness if a bus message is ever lost.
 */
export class CredentialCache {
  private readonly sessions: LRUCache<number, Entry<CachedSession>>;
  private readonly cookieSecrets: LRUCache<string, number>;
  private readonly apiTokens: LRUCache<string, Entry<CachedApiToken>>;
  private readonly listeners: Array<(revoked: Revoked) => void> = [];

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

  /** A session by id: from memory, else from `load`; an absent one is remembered as absent too. */
  session(id: number, load: () => Promise<CachedSession | undefined>): Promise<CachedSession | undefined> {
    return readThrough(this.sessions, id, load);
  }

  /** Remembers a session just read or opened. */
  rememberSession(id: number, session: CachedSession): void {
    this.sessions.set(id, session);
  }

  /** The session id behind a cookie secret's hash: from memory, else from `load` (which also gives the session). */
  async sessionIdOfCookie(secretHash: string, load: () => Promise<{ id: number; session: CachedSession } | undefined>): Promise<number | undefined> {
    const known = this.cookieSecrets.get(secretHash);
    if (known !== undefined) return known;
    const loaded = await load();
    if (!loaded) return undefined;
    this.cookieSecrets.set(secretHash, loaded.id);
    this.sessions.set(loaded.id, loaded.session);
    return loaded.id;
  }

  /** A personal access token by its hash: from memory, else from `load`; an unknown one is remembered as unknown. */
  apiToken(hash: string, load: () => Promise<CachedApiToken | undefined>): Promise<CachedApiToken | undefined> {
    return readThrough(this.apiTokens, hash, load);
  }

  /** Whether the credential's last use should be written now (at most once a minute); if so, records that it was. */
  touchDue(entry: CachedSession | CachedApiToken, now: number): boolean {
    if (now - entry.touchedAt <= TOUCH_INTERVAL_MS) return false;
    entry.touchedAt = now;
    return true;
  }

  /** Called with revoked sessions and tokens, on every node (the connection registry closes their sockets). */
  onRevoked(listener: (revoked: Revoked) => void): void {
    this.listeners.push(listener);
  }

  async revokeSessions(sessionIds: number[]): Promise<void> {
    await this.revoke({ sessionIds });
  }

  /**
   * Revokes sessions and personal access tokens in one bus message. Token ids go with their hashes
   * so every node's connection registry closes the sockets opened with those tokens.
   */
  async revoke(credentials: { sessionIds?: number[]; apiTokens?: Array<{ id: number; tokenHash: string }> }): Promise<void> {
    const sessionIds = credentials.sessionIds ?? [];
    const apiTokens = credentials.apiTokens ?? [];
    if (sessionIds.length + apiTokens.length === 0) return;
    const event: RevokedEvent = { sessionIds, apiTokenHashes: apiTokens.map((t) => t.tokenHash), apiTokenIds: apiTokens.map((t) => t.id) };
    this.applyRevocation(event);
    await this.bus.publish(REVOKED_TOPIC, event);
  }

  private applyRevocation(event: RevokedEvent): void {
    for (const id of event.sessionIds ?? []) this.sessions.set(id, false);
    for (const hash of event.apiTokenHashes ?? []) this.apiTokens.set(hash, false);
    const revoked = { sessionIds: event.sessionIds ?? [], apiTokenIds: event.apiTokenIds ?? [] };
    if (revoked.sessionIds.length + revoked.apiTokenIds.length > 0) for (const listener of this.listeners) listener(revoked);
  }
}

/** The entry from memory, else from `load`; an absent one is remembered as absent (`false`), so it costs no query either. */
async function readThrough<K extends number | string, V extends object>(cache: LRUCache<K, Entry<V>>, key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
  const known = cache.get(key);
  if (known !== undefined) return known || undefined;
  const loaded = await load();
  cache.set(key, loaded ?? false);
  return loaded;
}
