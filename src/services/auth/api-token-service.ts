import { forbidden, notFound, unauthorized } from '../errors.js';
import type { ApiTokenRecord } from '../../store/api-tokens-repository.js';
import type { AuthContext, Principal } from './context.js';
import { randomSecret, sha256 } from './secrets.js';

/** A recognisable prefix lets secret scanners find leaked tokens. */
export const PAT_PREFIX = 'msg_pat_';
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Personal access tokens, for scripts and integrations: `Authorization: Token <token>`. */
export class ApiTokenService {
  constructor(private readonly ctx: AuthContext) {}

  async create(principal: Principal, input: { name: string; expiresInDays?: number }): Promise<ApiTokenRecord & { token: string }> {
    // A token may not mint tokens: a leaked one must not be able to outlive its revocation.
    if (principal.method === 'token') throw forbidden('session_required', 'Create tokens from a logged-in session, not with a token');
    const token = PAT_PREFIX + randomSecret();
    const now = this.ctx.clock.now();
    const record = await this.ctx.apiTokens.create({
      userId: principal.userId,
      name: input.name.trim(),
      tokenHash: sha256(token),
      tokenHint: token.slice(-4),
      now,
      expiresAt: input.expiresInDays ? now + input.expiresInDays * DAY_MS : null,
    });
    return { ...record, token };
  }

  list(userId: number): Promise<ApiTokenRecord[]> {
    return this.ctx.apiTokens.listForUser(userId);
  }

  /** Revokes every token of the user, here and on every node. */
  async revokeAll(userId: number): Promise<void> {
    for (const token of await this.ctx.apiTokens.deleteAllForUser(userId)) await this.ctx.cache.revokeApiToken(token.tokenHash, token.id);
  }

  async revoke(userId: number, tokenId: number): Promise<void> {
    const hash = await this.ctx.apiTokens.delete(tokenId, userId);
    if (!hash) throw notFound('token_not_found', 'No such token');
    await this.ctx.cache.revokeApiToken(hash, tokenId);
  }

  async authenticate(token: string): Promise<Principal> {
    const { cache, apiTokens, clock } = this.ctx;
    const invalid = () => unauthorized('invalid_token', 'The token is not valid');
    if (!token.startsWith(PAT_PREFIX)) throw invalid();
    const hash = sha256(token);
    const now = clock.now();
    let entry = cache.apiTokens.get(hash);
    if (entry === undefined) {
      const record = await apiTokens.findByHash(hash);
      entry = record ? { id: record.id, userId: record.userId, expiresAt: record.expiresAt, touchedAt: record.lastUsedAt ?? 0 } : false;
      cache.apiTokens.set(hash, entry);
    }
    if (entry === false) throw invalid();
    if (entry.expiresAt !== null && entry.expiresAt <= now) throw unauthorized('token_expired', 'The token has expired');
    if (now - entry.touchedAt > TOUCH_INTERVAL_MS) {
      entry.touchedAt = now;
      void apiTokens.touch(entry.id, now).catch(() => {});
    }
    return { userId: entry.userId, apiTokenId: entry.id, method: 'token' };
  }
}
