import { forbidden, notFound, unauthorized, validationError } from '../errors.js';
import type { User } from '../users/user.js';
import type { SessionRecord } from '../../store/sessions-repository.js';
import { normalizeEmail, usernameKey } from './account-rules.js';
import type { AuthContext, ClientInfo, Principal } from './context.js';
import type { CachedSession } from './credential-cache.js';
import { accountAttemptsKey, tooManyFailedLogins } from './password-confirmation.js';
import { equalSecrets, hmac, randomSecret, sha256 } from './secrets.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: number;
}

export type LoginResult =
  | ({ kind: 'tokens'; user: User } & TokenPair)
  | { kind: 'cookie'; user: User; sessionId: number; cookieSecret: string; csrfToken: string; expiresAt: number };

/** A signed-in session (an app's refresh token or a browser's cookie) as its owner sees it: where and when, no secret. */
export type ActiveSession = SessionRecord;

/** A second factor a login can be finished with. */
export type SecondFactorMethod = 'totp' | 'email' | 'recovery';

/** A login waiting for its second factor: nothing is issued until it is finished. */
export interface LoginChallenge {
  kind: 'challenge';
  /** Opaque, single use; finishes the login with a code. */
  challenge: string;
  methods: SecondFactorMethod[];
  expiresAt: number;
}

/** How a sign-in was asked for: the session kind wanted, the client, and a trusted-device token if it has one. */
export interface SignInRequest {
  cookie: boolean;
  client: ClientInfo;
  trustedDevice?: string;
}

/**
 * Second factors plug in here (the two-factor module): when one applies to a user whose first
 * factor (password or provider) is proven, sign-in answers with its challenge instead of a session.
 */
export interface SecondFactorGate {
  challengeFor(user: User, request: SignInRequest): Promise<LoginChallenge | undefined>;
}

export class SessionService {
  private dummyHash: string | undefined;
  private readonly secondFactors: SecondFactorGate[] = [];

  constructor(private readonly ctx: AuthContext) {}

  /** Prepares the hash that unknown logins are checked against, so they take as long as known ones. */
  async start(): Promise<void> {
    this.dummyHash = await this.ctx.hasher.hash(randomSecret());
  }

  addSecondFactor(gate: SecondFactorGate): void {
    this.secondFactors.push(gate);
  }

  async login(input: { login: string; password: string; cookie: boolean; trustedDevice?: string }, client: ClientInfo): Promise<LoginResult | LoginChallenge> {
    const { user, attemptsKey } = await this.checkPassword(input.login, input.password);
    const result = await this.signIn(user, { cookie: input.cookie, client, trustedDevice: input.trustedDevice });
    // The failures are forgiven only once the login is complete: a right password followed by
    // wrong second-factor codes keeps counting, so the password does not buy unlimited guesses.
    if (result.kind !== 'challenge') await this.ctx.loginAttempts.reset(attemptsKey);
    return result;
  }

  /**
   * The first factor alone: the account whose username or e-mail and password these are, throttled
   * per account like a login (a login of its own must still reset `attemptsKey` once complete).
   * Throws 401 `invalid_credentials`, 403 `email_not_verified` or 429.
   */
  async checkPassword(loginName: string, password: string): Promise<{ user: User; attemptsKey: string }> {
    const { users, hasher, clock } = this.ctx;
    const login = loginName.trim();
    const normalized = login.includes('@') ? normalizeEmail(login) : usernameKey(login);
    const credentials = await users.loginCredentials(login.includes('@') ? { email: normalized } : { usernameKey: normalized });
    // Throttled per account (or per unknown name, so probing one looks the same).
    const attemptsKey = credentials ? accountAttemptsKey(credentials.userId) : `name:${normalized}`;
    const wait = await this.ctx.loginAttempts.blockedFor(attemptsKey);
    if (wait > 0) throw tooManyFailedLogins(wait);
    const passwordHash = credentials?.passwordHash ?? null;
    // An unknown name costs the same hash check as a known one, so timing does not tell them apart.
    const matches = await hasher.verify(passwordHash ?? this.dummyHash ?? (await hasher.hash(randomSecret())), password);
    const user = credentials && passwordHash !== null && matches ? await users.findById(credentials.userId) : undefined;
    if (!user || passwordHash === null) {
      await this.ctx.loginAttempts.recordFailure(attemptsKey);
      throw unauthorized('invalid_credentials', 'The username, e-mail or password is wrong');
    }
    if (this.ctx.settings.requireEmailVerification && user.emailVerifiedAt === null) {
      throw forbidden('email_not_verified', 'Confirm your e-mail address before logging in; we can send the link again');
    }
    const now = clock.now();
    if (hasher.needsRehash(passwordHash)) {
      await users.setPasswordHash(user.id, await hasher.hash(password), now);
    }
    return { user, attemptsKey };
  }

  /**
   * Signs in a user whose first factor is proven (a password, an OAuth provider): the second
   * factor's challenge when one applies, a session otherwise.
   */
  async signIn(user: User, request: SignInRequest): Promise<LoginResult | LoginChallenge> {
    for (const gate of this.secondFactors) {
      const challenge = await gate.challengeFor(user, request);
      if (challenge) return challenge;
    }
    return this.startSession(user, request.cookie, request.client);
  }

  /** Opens a session for a user whose identity is already proven (password, second factor, OAuth). */
  async startSession(user: User, cookie: boolean, client: ClientInfo): Promise<LoginResult> {
    const now = this.ctx.clock.now();
    await this.ctx.users.touchLastSeen(user.id, now);
    user = { ...user, lastSeenAt: now };
    const expiresAt = now + this.ctx.settings.refreshTokenTtlMs;
    const session = { userId: user.id, userAgent: client.userAgent, ip: client.ip, now, expiresAt };
    if (cookie) {
      const cookieSecret = randomSecret();
      const sessionId = await this.ctx.sessions.createCookieSession(session, sha256(cookieSecret));
      return { kind: 'cookie', user, sessionId, cookieSecret, csrfToken: this.csrfTokenFor(sessionId), expiresAt };
    }
    const refreshToken = randomSecret();
    const sessionId = await this.ctx.sessions.createTokenSession(session, sha256(refreshToken));
    return { kind: 'tokens', user, ...this.pair(user.id, sessionId, refreshToken) };
  }

  /**
   * Trades a refresh token for a new pair. The successor is derived from the presented token (an
   * HMAC under a server key), so a token presented again within the reuse grace (two tabs
   * refreshing at once) gets the very same successor without it being stored; later, it is reuse.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const { sessions, clock, cache, settings, keys } = this.ctx;
    const now = clock.now();
    const next = hmac(keys.refreshToken, refreshToken);
    const result = await sessions.rotateRefreshToken({
      presentedHash: sha256(refreshToken),
      successorHash: sha256(next),
      now,
      expiresAt: now + settings.refreshTokenTtlMs,
      reuseGraceMs: settings.refreshReuseGraceMs,
    });
    switch (result.status) {
      case 'rotated':
        return this.pair(result.userId, result.sessionId, next);
      case 'reused':
        await cache.revokeSessions([result.sessionId]);
        throw unauthorized('refresh_token_reused', 'This refresh token was already used; the session has been ended for safety');
      case 'expired':
        throw unauthorized('refresh_token_expired', 'The refresh token has expired; log in again');
      case 'unknown':
        throw unauthorized('invalid_refresh_token', 'The refresh token is not valid');
    }
  }

  /** Checks an access token and that its session is still open. */
  async authenticateBearer(token: string): Promise<Principal> {
    const { userId, sessionId } = this.ctx.accessTokens.verify(token);
    return this.authenticateSession(sessionId, userId);
  }

  /**
   * The principal of a token whose signature named this session (and user, when it says): ours,
   * or a dialect's. Valid only while the session is open, so logout and eviction end every token of it.
   */
  async authenticateSession(sessionId: number, userId?: number): Promise<Principal> {
    const session = await this.liveSession(sessionId);
    if (!session || (userId !== undefined && session.userId !== userId)) throw unauthorized('session_ended', 'This session has ended; log in again');
    return { userId: session.userId, sessionId, method: 'bearer' };
  }

  /**
   * The session a refresh token belongs to, without rotating it: for clients that keep one refresh
   * token until it expires (SimpleJWT without rotation). A retired, expired or unknown token is refused.
   */
  async sessionOfRefreshToken(refreshToken: string): Promise<{ userId: number; sessionId: number }> {
    const found = await this.ctx.sessions.findByCurrentRefreshToken(sha256(refreshToken), this.ctx.clock.now());
    if (!found) throw unauthorized('invalid_refresh_token', 'The refresh token is not valid');
    return found;
  }

  async authenticateCookie(secret: string): Promise<Principal> {
    const { cache, sessions, clock } = this.ctx;
    const hash = sha256(secret);
    const sessionId = await cache.sessionIdOfCookie(hash, async () => {
      const record = await sessions.findActiveByCookieSecretHash(hash, clock.now());
      return record && { id: record.id, session: cachedSession(record) };
    });
    if (sessionId === undefined) throw unauthorized('session_ended', 'This session has ended; log in again');
    const session = await this.liveSession(sessionId);
    if (!session) throw unauthorized('session_ended', 'This session has ended; log in again');
    return { userId: session.userId, sessionId, method: 'cookie' };
  }

  /** The CSRF token of a cookie session: derived from its id, so nothing more is stored. */
  csrfTokenFor(sessionId: number): string {
    return hmac(this.ctx.keys.csrf, `csrf:${sessionId}`);
  }

  verifyCsrf(sessionId: number, presented: string | undefined): void {
    if (!presented || !equalSecrets(presented, this.csrfTokenFor(sessionId))) {
      throw forbidden('csrf_token_invalid', 'Send the X-CSRF-Token header with the token given at login');
    }
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.sessionId === undefined) {
      throw validationError('not_a_session', 'A personal access token is not a session; revoke it with DELETE /api/v1/auth/tokens/{id}');
    }
    await this.ctx.sessions.delete(principal.sessionId, principal.userId);
    await this.ctx.cache.revokeSessions([principal.sessionId]);
  }

  list(userId: number): Promise<ActiveSession[]> {
    return this.ctx.sessions.listActiveForUser(userId, this.ctx.clock.now());
  }

  async end(userId: number, sessionId: number): Promise<void> {
    if (!(await this.ctx.sessions.delete(sessionId, userId))) throw notFound('session_not_found', 'No such session');
    await this.ctx.cache.revokeSessions([sessionId]);
  }

  private pair(userId: number, sessionId: number, refreshToken: string): TokenPair {
    return {
      accessToken: this.ctx.accessTokens.issue(userId, sessionId),
      refreshToken,
      expiresIn: this.ctx.accessTokens.ttlSeconds,
      sessionId,
    };
  }

  /** The session from the cache, or the database on a miss; undefined when it has ended. */
  private async liveSession(sessionId: number): Promise<{ userId: number } | undefined> {
    const { cache, sessions, clock } = this.ctx;
    const now = clock.now();
    const entry = await cache.session(sessionId, async () => {
      const record = await sessions.findActive(sessionId, now);
      return record && cachedSession(record);
    });
    if (!entry || entry.expiresAt <= now) return undefined;
    if (cache.touchDue(entry, now)) void sessions.touch(sessionId, now).catch(() => {});
    return entry;
  }
}

const cachedSession = (record: SessionRecord): CachedSession => ({ userId: record.userId, expiresAt: record.expiresAt, touchedAt: record.lastUsedAt });
