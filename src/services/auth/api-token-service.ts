import { notFound, unauthorized } from '../errors.js';
import type { ApiTokenRecord } from '../../store/api-tokens-repository.js';
import { apiTokenCreatedMail } from '../mail/templates.js';
import type { AuthContext, Principal, SessionPrincipal } from './context.js';
import { confirmPassword } from './password-confirmation.js';
import { randomSecret, sha256 } from './secrets.js';

/** A recognisable prefix lets secret scanners find leaked tokens. */
export const PAT_PREFIX = 'msg_pat_';
/** A forgotten token should not work forever: without a choice, it lasts about three months. */
export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A personal access token as its owner sees it: a name and the last four characters, never the token. */
export type PersonalAccessToken = ApiTokenRecord;

/** Personal access tokens, for scripts and integrations: `Authorization: Token <token>`. */
export class ApiTokenService {
  constructor(private readonly ctx: AuthContext) {}

  /**
   * Mints a token for a signed-in session (never for another token: a leaked one must not outlive
   * its revocation) once the current password is confirmed, as GitHub's sudo mode asks; the
   * account's address is told, so a token made by someone else does not go unnoticed.
   */
  async create(principal: SessionPrincipal, input: { name: string; password: string; expiresInDays?: number }): Promise<PersonalAccessToken & { token: string }> {
    const { users, apiTokens, clock, mail } = this.ctx;
    const user = await users.findById(principal.userId);
    if (!user) throw unauthorized('session_ended', 'The account no longer exists');
    await confirmPassword(this.ctx, user.id, input.password, 'password');
    const token = PAT_PREFIX + randomSecret();
    const now = clock.now();
    const expiresAt = now + (input.expiresInDays ?? TOKEN_DEFAULT_DAYS) * DAY_MS;
    const record = await apiTokens.create({ userId: user.id, name: input.name.trim(), tokenHash: sha256(token), tokenHint: token.slice(-4), now, expiresAt });
    mail.enqueue({ to: user.email, ...apiTokenCreatedMail({ username: user.username, tokenName: record.name, expiresAt: new Date(expiresAt) }) });
    return { ...record, token };
  }

  list(userId: number): Promise<PersonalAccessToken[]> {
    return this.ctx.apiTokens.listForUser(userId);
  }

  async revoke(userId: number, tokenId: number): Promise<void> {
    const tokenHash = await this.ctx.apiTokens.delete(tokenId, userId);
    if (!tokenHash) throw notFound('token_not_found', 'No such token');
    await this.ctx.cache.revoke({ apiTokens: [{ id: tokenId, tokenHash }] });
  }

  async authenticate(token: string): Promise<Principal> {
    const { cache, apiTokens, clock } = this.ctx;
    const invalid = () => unauthorized('invalid_token', 'The token is not valid');
    if (!token.startsWith(PAT_PREFIX)) throw invalid();
    const hash = sha256(token);
    const now = clock.now();
    const entry = await cache.apiToken(hash, async () => {
      const record = await apiTokens.findByHash(hash);
      return record && { id: record.id, userId: record.userId, expiresAt: record.expiresAt, touchedAt: record.lastUsedAt ?? 0 };
    });
    if (!entry) throw invalid();
    if (entry.expiresAt !== null && entry.expiresAt <= now) throw unauthorized('token_expired', 'The token has expired');
    if (cache.touchDue(entry, now)) void apiTokens.touch(entry.id, now).catch(() => {});
    return { userId: entry.userId, apiTokenId: entry.id, method: 'token' };
  }
}
