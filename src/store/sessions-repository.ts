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
   * Retires the presented refresh token and stores its successor, in one transaction. Two
   * concurrent refreshes with one token cannot both win: the loser is treated as reuse.
   */
  rotateRefreshToken(oldHash: string, newHash: string, now: number, newExpiresAt: number): Promise<RotationResult> {
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
        .where('refresh_tokens.token_hash', '=', oldHash)
        .executeTakeFirst();
      if (!token) return { status: 'unknown' };
      const revoke = async (): Promise<RotationResult> => {
        await tx.deleteFrom('sessions').where('id', '=', token.sessionId).execute();
        return { status: 'reused', sessionId: token.sessionId, userId: token.userId };
      };
      if (token.retiredAt !== null) return revoke();
      if (token.tokenExpiresAt <= now || token.sessionExpiresAt <= now) return { status: 'expired' };

      const retired = await tx
        .updateTable('refresh_tokens')
        .set({ retired_at: now })
        .where('id', '=', token.tokenId)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (Number(retired.numUpdatedRows) !== 1) return revoke();
      await tx
        .insertInto('refresh_tokens')
        .values({ session_id: token.sessionId, token_hash: newHash, created_at: now, expires_at: newExpiresAt })
        .execute();
      await tx
        .updateTable('sessions')
        .set({ last_used_at: now, expires_at: newExpiresAt })
        .where('id', '=', token.sessionId)
        .execute();
      return { status: 'rotated', sessionId: token.sessionId, userId: token.userId };
    });
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
