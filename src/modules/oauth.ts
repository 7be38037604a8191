import { fetchPicture } from '../adapters/oauth/picture.js';
import { FortyTwoProvider } from '../adapters/oauth/forty-two.js';
import { GitHubProvider } from '../adapters/oauth/github.js';
import { OpenIdProvider } from '../adapters/oauth/openid.js';
import type { OAuthProvider } from '../adapters/oauth/provider.js';
import type { Config } from '../config.js';
import { registerOAuthRoutes } from '../http/auth/oauth-routes.js';
import { OAuthService } from '../services/auth/oauth/oauth-service.js';
import { IdentitiesRepository } from '../store/identities-repository.js';
import { OAuthExchangeCodesRepository } from '../store/oauth-exchange-codes-repository.js';
import { OAuthStatesRepository } from '../store/oauth-states-repository.js';
import type { AccountsModule } from './accounts.js';
import type { FilesModule } from './files.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** The providers whose client id and secret are configured, in the order of their buttons. */
function enabledProviders({ oauth }: Config): OAuthProvider[] {
  const providers: OAuthProvider[] = [];
  if (oauth.github) providers.push(new GitHubProvider(oauth.github, oauth.timeoutMs));
  if (oauth.fortyTwo) providers.push(new FortyTwoProvider(oauth.fortyTwo, oauth.timeoutMs));
  if (oauth.oidc) providers.push(new OpenIdProvider({ ...oauth.oidc, timeoutMs: oauth.timeoutMs }));
  return providers;
}

/** The origins a sign-in may send the browser back to: the app's, the CORS origins, and OAUTH_REDIRECT_ORIGINS. */
export function allowedOrigins(config: Config): Set<string> {
  const cors = config.corsOrigins === '*' ? [] : config.corsOrigins;
  const origins = [config.appUrl, ...cors, ...config.oauth.redirectOrigins].flatMap((origin) => {
    try {
      return [new URL(origin).origin];
    } catch {
      return [];
    }
  });
  return new Set(origins);
}

/** OAuth and OpenID Connect sign-in: GitHub, the 42 intranet, one OpenID provider; linked identities. */
export function oauthModule(infra: Infrastructure, { accounts, files }: { accounts: AccountsModule; files: FilesModule }) {
  const { config, database, clock, mail, log } = infra;
  const oauth = new OAuthService({
    providers: enabledProviders(config),
    identities: new IdentitiesRepository(database.db, accounts.users),
    states: new OAuthStatesRepository(database.db),
    codes: new OAuthExchangeCodesRepository(database.db),
    users: accounts.users,
    accounts: accounts.accounts,
    sessions: accounts.sessions,
    setAvatar: (userId, image) => files.avatars.set(userId, image),
    fetchPicture: (url) => fetchPicture(url, { timeoutMs: config.oauth.timeoutMs, maxBytes: config.avatars.maxBytes }),
    mail,
    clock,
    report: (error, message) => log.warn({ err: error }, message),
    allowedOrigins: allowedOrigins(config),
    requireEmailVerification: config.auth.requireEmailVerification,
  });
  const module: Module = {
    name: 'oauth',
    routes: accounts.signedInRoutes('/api/v1/auth', (scope) => registerOAuthRoutes(scope, { config, oauth, now: () => clock.now() })),
  };
  return { module, oauth };
}

export type OAuthModule = ReturnType<typeof oauthModule>;
