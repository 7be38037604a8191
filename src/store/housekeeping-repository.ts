import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SyncLogRepository } from './sync-log-repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes rows that can no longer matter, so tables do not grow without bound. */
export class HousekeepingRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sync: { syncLog: Pick<SyncLogRepository, 'prune'>; syncRetentionMs: number },
  ) {}

  async deleteExpired(now: number): Promise<Record<string, number>> {
    const count = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
    return {
      // Their refresh tokens go with them (foreign key cascade).
      sessions: count(await this.db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst()),
      // A retired refresh token is kept to detect its reuse, but only until it would have expired anyway.
      refreshTokens: count(
        await this.db.deleteFrom('refresh_tokens').where('retired_at', 'is not', null).where('expires_at', '<=', now).executeTakeFirst(),
      ),
      oneTimeTokens: count(await this.db.deleteFrom('one_time_tokens').where('expires_at', '<=', now - DAY_MS).executeTakeFirst()),
      loginChallenges: count(await this.db.deleteFrom('login_challenges').where('expires_at', '<=', now).executeTakeFirst()),
      trustedDevices: count(await this.db.deleteFrom('trusted_devices').where('expires_at', '<=', now).executeTakeFirst()),
      oauthStates: count(await this.db.deleteFrom('oauth_states').where('expires_at', '<=', now).executeTakeFirst()),
      oauthExchangeCodes: count(await this.db.deleteFrom('oauth_exchange_codes').where('expires_at', '<=', now).executeTakeFirst()),
      outbox: count(await this.db.deleteFrom('dev_outbox').where('created_at', '<=', now - 7 * DAY_MS).executeTakeFirst()),
      syncEvents: await this.sync.syncLog.prune(now - this.sync.syncRetentionMs),
    };
  }
}
