import type { Kysely } from 'kysely';
import type { Database, SessionKind } from './schema.js';

export interface SessionRecord {
  id: number;
  userId: number;
  kind: SessionKind;
  userAgent: string | null;
  ip: string | null;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

export interface NewSession {
  userId: number;
  userAgent: string | null;
  ip: string | null;
  now: number;
  expiresAt: number;
}

export interface RefreshRotation {
  presentedHash: string;
  /** The hash of the successor, derived from the presented token, so a replay derives the same one. */
  successorHash: string;
  now: number;
  /** When the successor, and the session, expire. */
  expiresAt: number;
  reuseGraceMs: number;
}

export type RotationResult =
  | { status: 'rotated'; sessionId: number; userId: number }
  /** A retired token came back: the session has been deleted. */
  | { status: 'reused'; sessionId: number; userId: number }
  | { status: 'expired' }
  | { status: 'unknown' };

const columns = [
  'id',
  'user_id as userId',
  'kind',
  'user_agent as userAgent',
  'ip',
  'created_at as createdAt',
  'last_used_at as lastUsedAt',
  'expires_at as expiresAt',
] as const;

export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** A session for a token client, with its first refresh token. */
  createTokenSession(session: NewSession, refreshTokenHash: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const { id } = await tx
        .insertInto('sessions')
        .values(sessionValues(session, 'token', null))
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('refresh_tokens')
        .values({ session_id: id, token_hash: refreshTokenHash, created_at: session.now, expires_at: session.expiresAt })
        .execute();
      return id;
    });
  }

  /** A browser session, found again by the hash of its cookie secret. */
  async createCookieSession(session: NewSession, cookieSecretHash: string): Promise<number> {
    const { id } = await this.db
      .insertInto('sessions')
      .values(sessionValues(session, 'cookie', cookieSecretHash))
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  findActive(id: number, now: number): Promise<SessionRecord | undefined> {
    return this.db.selectFrom('sessions').select(columns).where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
  }

  findActiveByCookieSecretHash(hash: string, now: number): Promise<SessionRecord | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(columns)
      .where('cookie_secret_hash', '=', hash)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  }

  listActiveForUser(userId: number, now: number): Promise<SessionRecord[]> {
    return this.db
      .selectFrom('sessions')
      .select(columns)
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('last_used_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /**
   * Retires the presented refresh token and stores its successor, in one transaction. A retired
   * token presented again within `reuseGraceMs` of its retirement, while its successor is still the
   * live one, is a concurrent refresh (two tabs): it is answered as rotated, with the successor
   * already stored. Any other retired token is reuse: the session is deleted.
   */
  rotateRefreshToken(rotation: RefreshRotation): Promise<RotationResult> {
    const { presentedHash, successorHash, now, expiresAt, reuseGraceMs } = rotation;
    return this.db.transaction().execute(async (tx): Promise<RotationResult> => {
      const token = await tx
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .select([
          'refresh_tokens.id as tokenId',
          'refresh_tokens.retired_at as retiredAt',
          'refresh_tokens.expires_at as tokenExpiresAt',
          'sessions.id as sessionId',
          'sessions.user_id as userId',
          'sessions.expires_at as sessionExpiresAt',
        ])
        .where('refresh_tokens.token_hash', '=', presentedHash)
        .executeTakeFirst();
      if (!token) return { status: 'unknown' };
      const { sessionId, userId } = token;

      let retiredAt = token.retiredAt;
      if (retiredAt === null) {
        if (token.tokenExpiresAt <= now || token.sessionExpiresAt <= now) return { status: 'expired' };
        const retired = await tx
          .updateTable('refresh_tokens')
          .set({ retired_at: now })
          .where('id', '=', token.tokenId)
          .where('retired_at', 'is', null)
          .executeTakeFirst();
        if (Number(retired.numUpdatedRows) === 1) {
          await tx.insertInto('refresh_tokens').values({ session_id: sessionId, token_hash: successorHash, created_at: now, expires_at: expiresAt }).execute();
          await tx.updateTable('sessions').set({ last_used_at: now, expires_at: expiresAt }).where('id', '=', sessionId).execute();
          return { status: 'rotated', sessionId, userId };
        }
        // A concurrent refresh retired it between our read and our write (PostgreSQL): read its time.
        const current = await tx.selectFrom('refresh_tokens').select('retired_at').where('id', '=', token.tokenId).executeTakeFirst();
        retiredAt = current?.retired_at ?? null;
      }

      if (retiredAt !== null && now - retiredAt <= reuseGraceMs) {
        const successor = await tx
          .selectFrom('refresh_tokens')
          .select('id')
          .where('token_hash', '=', successorHash)
          .where('session_id', '=', sessionId)
          .where('retired_at', 'is', null)
          .executeTakeFirst();
        if (successor) return { status: 'rotated', sessionId, userId };
      }
      await tx.deleteFrom('sessions').where('id', '=', sessionId).execute();
      return { status: 'reused', sessionId, userId };
    });
  }

  /** The open session whose current (not retired, unexpired) refresh token has this hash. */
  findByCurrentRefreshToken(tokenHash: string, now: number): Promise<{ userId: number; sessionId: number } | undefined> {
    return this.db
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .select(['sessions.id as sessionId', 'sessions.user_id as userId'])
      .where('refresh_tokens.token_hash', '=', tokenHash)
      .where('refresh_tokens.retired_at', 'is', null)
      .where('refresh_tokens.expires_at', '>', now)
      .where('sessions.expires_at', '>', now)
      .executeTakeFirst();
  }

  async touch(id: number, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: now }).where('id', '=', id).execute();
  }

  /** Deletes one session of this user; false when there is no such session of theirs. */
  async delete(id: number, userId: number): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Deletes every session of the user but `keep`; returns the ids deleted. */
  async deleteAllForUser(userId: number, keep?: number): Promise<number[]> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keep !== undefined) query = query.where('id', '!=', keep);
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  }
}

function sessionValues(session: NewSession, kind: SessionKind, cookieSecretHash: string | null) {
  return {
    user_id: session.userId,
    kind,
    cookie_secret_hash: cookieSecretHash,
    user_agent: session.userAgent,
    ip: session.ip,
    created_at: session.now,
    last_used_at: session.now,
    expires_at: session.expiresAt,
  };
}
