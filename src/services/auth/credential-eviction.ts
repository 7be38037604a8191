import type { AuthContext } from './context.js';

/** What an eviction ended, for the answer to the user who asked for it. */
export interface Eviction {
  endedSessions: number;
  revokedTokens: number;
}

/**
 * Ends every credential an account has, at once and on every node, closing the sockets opened
 * with them. Password reset, password change, "sign out everywhere" and account deletion all make
 * this one call, so a kind of credential added later (2FA's trusted devices) is revoked here and
 * nowhere else.
 */
export class CredentialEviction {
  private readonly others: Array<(userId: number) => Promise<void>> = [];

  constructor(private readonly ctx: Pick<AuthContext, 'sessions' | 'apiTokens' | 'cache'>) {}

  /** A module's own credentials of a user (2FA's trusted devices), revoked with every eviction. */
  alsoRevoke(revoke: (userId: number) => Promise<void>): void {
    this.others.push(revoke);
  }

  /** Every session but `keepSessionId` (the one asking, when it stays signed in) and every personal access token. */
  async evictCredentials(userId: number, options: { keepSessionId?: number } = {}): Promise<Eviction> {
    const { sessions, apiTokens, cache } = this.ctx;
    const sessionIds = await sessions.deleteAllForUser(userId, options.keepSessionId);
    const tokens = await apiTokens.deleteAllForUser(userId);
    await cache.revoke({ sessionIds, apiTokens: tokens });
    for (const revoke of this.others) await revoke(userId);
    return { endedSessions: sessionIds.length, revokedTokens: tokens.length };
  }
}
