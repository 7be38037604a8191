import { createAttemptLimiter, unlimitedAttempts } from '../adapters/attempt-limiter.js';
import { Argon2PasswordHasher } from '../adapters/password-hasher.js';
import { registerAuthRoutes } from '../http/auth/auth-routes.js';
import { createRouteGuards } from '../http/auth/authenticate.js';
import { requireSignIn } from '../http/auth/route-access.js';
import type { HttpServer } from '../http/server.js';
import { AccessTokens } from '../services/auth/access-tokens.js';
import { AccountService } from '../services/auth/account-service.js';
import { ApiTokenService } from '../services/auth/api-token-service.js';
import type { AuthContext } from '../services/auth/context.js';
import { CredentialCache } from '../services/auth/credential-cache.js';
import { CredentialEviction } from '../services/auth/credential-eviction.js';
import { PasswordService } from '../services/auth/password-service.js';
import { SessionService } from '../services/auth/session-service.js';
import { ApiTokensRepository } from '../store/api-tokens-repository.js';
import { CachedUsersRepository } from '../store/cached-users-repository.js';
import { OneTimeTokensRepository } from '../store/one-time-tokens-repository.js';
import { SessionsRepository } from '../store/sessions-repository.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module, ModuleRoutes } from './module.js';

/** Accounts and sessions: sign-up, login, tokens, passwords, and the credential check every other module's routes use. */
export async function accountsModule(infra: Infrastructure) {
  const { config, database, bus, redis, clock, mail, key, http } = infra;
  const cache = new CredentialCache(bus);
  await cache.start();
  const users = new CachedUsersRepository(database.db, bus);
  await users.start();
  const context: AuthContext = {
    users,
    sessions: new SessionsRepository(database.db),
    apiTokens: new ApiTokensRepository(database.db),
    oneTimeTokens: new OneTimeTokensRepository(database.db),
    hasher: new Argon2PasswordHasher(config.auth.argon2),
    clock,
    mail,
    accessTokens: new AccessTokens(key('access-token'), config.auth.accessTokenTtlSeconds),
    cache,
    loginAttempts: config.rateLimits.enabled
      ? createAttemptLimiter({ ...config.rateLimits.loginPerAccount, redis, keyPrefix: `${config.redis.keyPrefix}login-fail` })
      : unlimitedAttempts,
    keys: { oneTimeCode: key('one-time-code'), csrf: key('csrf'), refreshToken: key('refresh-token') },
    settings: {
      appUrl: config.appUrl,
      refreshTokenTtlMs: config.auth.refreshTokenTtlDays * 24 * 60 * 60 * 1000,
      refreshReuseGraceMs: config.auth.refreshReuseGraceSeconds * 1000,
      requireEmailVerification: config.auth.requireEmailVerification,
      passwordRequireMixed: config.auth.passwordRequireMixed,
    },
  };
  const accounts = new AccountService(context);
  const sessions = new SessionService(context);
  await sessions.start();
  const eviction = new CredentialEviction(context);
  const passwords = new PasswordService(context, eviction);
  const apiTokens = new ApiTokenService(context);
  // Every request has a principal slot, so its shape stays the same for the JIT.
  http.decorateRequest('principal', null);
  const guards = createRouteGuards({ sessions, apiTokens });
  /**
   * A module's routes at `prefix`, every one of them behind sign-in unless it declares
   * `config: { access: 'public' }` (route-access.ts); `register` adds them to the plugin's scope.
   */
  const signedInRoutes = (prefix: string, register: (scope: HttpServer) => Promise<void> | void): ModuleRoutes => ({
    prefix,
    plugin: async (scope) => {
      requireSignIn(scope, guards);
      await register(scope);
    },
  });

  const module: Module = {
    name: 'accounts',
    routes: signedInRoutes('/api/v1/auth', (scope) =>
      registerAuthRoutes(scope, { config, accounts, sessions, passwords, apiTokens, credentials: eviction, now: () => clock.now() }),
    ),
  };
  return {
    module,
    context,
    users,
    cache,
    accounts,
    sessions,
    passwords,
    apiTokens,
    eviction,
    signedInRoutes,
    /** The credential check alone, for a route that decides per request whether it needs one. */
    authenticate: guards.user,
  };
}

export type AccountsModule = Awaited<ReturnType<typeof accountsModule>>;
