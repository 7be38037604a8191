import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { OAuthService } from '../../services/auth/oauth/oauth-service.js';
import { publicBase } from '../public-url.js';
import { limitPerClient } from '../rate-limits.js';
import { IdParams, problems } from '../schemas.js';
import type { HttpServer } from '../server.js';
import { sessionPrincipalOf } from './authenticate.js';
import { TRUSTED_DEVICE_COOKIE } from './cookies.js';
import { LoginAnswer, clientOf, loginAnswer } from './login-answer.js';
import { Identity, Provider, identityView } from './oauth-views.js';

export interface OAuthRouteDeps {
  config: Config;
  oauth: OAuthService;
  now: () => number;
}

/** Where this module's routes live, for the callback URL given to providers. */
const OAUTH_PATH = '/api/v1/auth/oauth';
/** HTTP-only: binds a sign-in's state to the browser that started it; sent only to the OAuth routes. */
const STATE_COOKIE = 'msg_oauth';
const STATE_COOKIE_SECONDS = 10 * 60;

const ProviderId = Type.String({ pattern: '^[a-z0-9-]{1,32}$', 'x-message': 'must be a provider id such as github' });
const ProviderParams = Type.Object({ provider: ProviderId }, { additionalProperties: false });
const Redirect = Type.String({ minLength: 1, maxLength: 2048, description: 'Where to send the browser back: an URL on APP_URL’s origin, a CORS origin or OAUTH_REDIRECT_ORIGINS' });
const RedirectUrl = Type.Object({ redirectUrl: Type.String({ description: 'Send the browser here' }) });
// What providers add to their answer (RFC 6749 §4.1.2, RFC 9207, and what Google and Keycloak send).
const ProviderText = Type.String({ maxLength: 2048 });
const CallbackQuery = Type.Object(
  {
    code: Type.Optional(ProviderText),
    state: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    error: Type.Optional(Type.String({ maxLength: 200 })),
    error_description: Type.Optional(ProviderText),
    error_uri: Type.Optional(ProviderText),
    iss: Type.Optional(ProviderText),
    scope: Type.Optional(ProviderText),
    session_state: Type.Optional(ProviderText),
    authuser: Type.Optional(Type.String({ maxLength: 20 })),
    prompt: Type.Optional(Type.String({ maxLength: 100 })),
    hd: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);

/** The browser's binding value, when it has a well-formed one (randomSecret's 43 characters). */
const browserSecretOf = (request: FastifyRequest) => {
  const value = request.cookies[STATE_COOKIE];
  return value !== undefined && /^[\w-]{43}$/.test(value) ? value : undefined;
};

/** A client that asks for JSON (an app's fetch) gets JSON; a browser navigating gets redirected. */
const wantsJson = (request: FastifyRequest) => {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
};

const sendBrowserTo = (reply: FastifyReply, url: string) => reply.code(302).header('location', url).send(null);

/**
 * OAuth and OpenID Connect sign-in, registered under /api/v1/auth: the enabled providers, the start
 * and the provider's callback (public, by browser navigation), the exchange of the one-time code
 * for a session, and the signed-in user's linked identities (session only: they are credentials).
 */
export function registerOAuthRoutes(app: HttpServer, deps: OAuthRouteDeps): void {
  const { config, oauth } = deps;
  const tags = ['auth'];
  const startLimit = limitPerClient(config.rateLimits.oauthStart, 'oauth-start');

  const ownBase = (request: FastifyRequest) => publicBase(request, config.oauth.publicUrl);
  const callbackUrl = (request: FastifyRequest, provider: string) => `${ownBase(request)}${OAUTH_PATH}/${provider}/callback`;
  const setStateCookie = (reply: FastifyReply, browserSecret: string) =>
    reply.setCookie(STATE_COOKIE, browserSecret, {
      path: OAUTH_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: config.auth.cookieSecure,
      maxAge: STATE_COOKIE_SECONDS,
    });

  app.get(
    '/providers',
    {
      config: { access: 'public' },
      schema: { tags, operationId: 'listProviders', summary: 'The sign-in providers enabled here, for sign-in buttons', response: { 200: Type.Object({ items: Type.Array(Provider) }) } },
    },
    async () => ({ items: oauth.list() }),
  );

  app.get(
    '/oauth/:provider',
    {
      config: { access: 'public', ...startLimit },
      schema: {
        tags,
        operationId: 'startOAuthSignIn',
        summary: 'Start signing in with a provider',
        description:
          'Answers 302 to the provider, or `{redirectUrl}` when the client asks for JSON (Accept: application/json). A state ' +
          'cookie binds the sign-in to this browser for 10 minutes; PKCE (S256) protects the code. The provider sends the ' +
          'browser back to the callback, which sends it on to `redirect` with `?code=` (trade it at POST /api/v1/auth/oauth/exchange ' +
          'within a minute) or `?error=`. `redirect` defaults to APP_URL; it must be on APP_URL\'s origin, a CORS origin, ' +
          'OAUTH_REDIRECT_ORIGINS or this API\'s own origin.',
        params: ProviderParams,
        querystring: Type.Object({ redirect: Type.Optional(Redirect) }, { additionalProperties: false }),
        response: { 200: RedirectUrl, 302: Type.Null({ description: 'To the provider' }), ...problems('rate_limited', 'provider_not_found', 'redirect_not_allowed', 'provider_unavailable') },
      },
    },
    async (request, reply) => {
      const { provider } = request.params;
      const start = await oauth.start({
        provider,
        redirect: request.query.redirect ?? config.appUrl,
        callbackUrl: callbackUrl(request, provider),
        browserSecret: browserSecretOf(request),
        ownOrigin: new URL(ownBase(request)).origin,
      });
      setStateCookie(reply, start.browserSecret);
      if (wantsJson(request)) return { redirectUrl: start.url };
      return sendBrowserTo(reply, start.url);
    },
  );

  app.get(
    '/oauth/:provider/callback',
    {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'oauthCallback',
        summary: 'Where the provider sends the browser back (not called by clients)',
        description:
          'Checks the state (single use, this browser’s, 10 minutes) and, through the provider, the code and its PKCE verifier; ' +
          'then signs in the linked account, links the account whose address the provider and this account have both ' +
          'verified, or creates an account. Answers 302 to the sign-in’s `redirect` with `?code=` (`?linked=<provider>` ' +
          'for a link) or `?error=<code>`. A state that is missing, unknown, used or another browser’s cannot be trusted ' +
          'with a redirect: that is a 400 problem. A client asking for JSON gets every failure as a problem (502 ' +
          '`provider_unavailable` when the provider failed).',
        params: ProviderParams,
        querystring: CallbackQuery,
        response: { 200: RedirectUrl, 302: Type.Null({ description: 'Back to the app' }), ...problems('provider_not_found', 'state_missing', 'state_mismatch', 'state_expired', 'invalid_state', 'code_missing', 'code_rejected', 'access_denied', 'provider_error', 'email_required', 'account_exists', 'identity_taken', 'provider_already_linked', 'provider_unavailable') },
      },
    },
    async (request, reply) => {
      const { code, state, error, iss } = request.query;
      const outcome = await oauth.callback({ provider: request.params.provider, code, state, error, iss, browserSecret: request.cookies[STATE_COOKIE] });
      if (!outcome.ok) {
        request.log.warn({ provider: request.params.provider, code: outcome.error.code, providerError: error }, 'oauth sign-in failed');
        if (outcome.redirectUrl === undefined || wantsJson(request)) throw outcome.error;
        return sendBrowserTo(reply, outcome.redirectUrl);
      }
      if (wantsJson(request)) return { redirectUrl: outcome.redirectUrl };
      return sendBrowserTo(reply, outcome.redirectUrl);
    },
  );

  app.post(
    '/oauth/exchange',
    {
      config: { access: 'public', ...limitPerClient(config.rateLimits.loginPerIp, 'oauth-exchange') },
      schema: {
        tags,
        operationId: 'exchangeOAuthCode',
        summary: 'Trade the one-time code from a provider sign-in for what a login answers',
        description:
          'The code works once, within a minute. The answer is the same as POST /api/v1/auth/login’s: tokens, or with ' +
          '`"cookie": true` the session cookies, or the second-factor challenge when the account has one.',
        body: Type.Object(
          {
            code: Type.String({ minLength: 1, maxLength: 200 }),
            cookie: Type.Optional(Type.Boolean({ default: false })),
            trustedDeviceToken: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'As at login; browsers send the cookie instead' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: LoginAnswer, ...problems('rate_limited', ['invalid_code', 400]) },
      },
    },
    async (request, reply) => {
      const { code, cookie = false, trustedDeviceToken } = request.body;
      const trustedDevice = trustedDeviceToken ?? request.cookies[TRUSTED_DEVICE_COOKIE];
      const result = await oauth.exchange(code, { cookie, client: clientOf(request), trustedDevice });
      return loginAnswer(reply, result, { cookieSecure: config.auth.cookieSecure, now: deps.now() });
    },
  );

  app.get(
    '/identities',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'listIdentities',
        summary: 'The provider accounts linked to this account',
        response: { 200: Type.Object({ items: Type.Array(Identity) }) },
      },
    },
    async (request) => ({ items: (await oauth.identities(sessionPrincipalOf(request).userId)).map(identityView) }),
  );

  app.post(
    '/identities',
    {
      config: { access: 'session', ...startLimit },
      schema: {
        tags,
        operationId: 'linkIdentity',
        summary: 'Start linking a provider account to this account',
        description:
          'Answers `{redirectUrl}`: send the browser there. After the provider, the browser comes back to `redirect` with ' +
          '`?linked=<provider>` or `?error=`; the account’s address is mailed a notice. `redirect` defaults to APP_URL and is ' +
          'allowed on the same origins as a sign-in’s. A provider account linked to another account here is refused (`identity_taken`).',
        body: Type.Object({ provider: ProviderId, redirect: Type.Optional(Redirect) }, { additionalProperties: false }),
        response: { 200: RedirectUrl, ...problems('rate_limited', 'provider_not_found', 'redirect_not_allowed', 'provider_unavailable') },
      },
    },
    async (request, reply) => {
      const { provider, redirect } = request.body;
      const start = await oauth.start({
        provider,
        redirect: redirect ?? config.appUrl,
        callbackUrl: callbackUrl(request, provider),
        browserSecret: browserSecretOf(request),
        ownOrigin: new URL(ownBase(request)).origin,
        linkUserId: sessionPrincipalOf(request).userId,
      });
      setStateCookie(reply, start.browserSecret);
      return { redirectUrl: start.url };
    },
  );

  app.delete(
    '/identities/:id',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'unlinkIdentity',
        summary: 'Unlink a provider account',
        description: 'Refused (409 `last_sign_in_method`) when the account has no password and no other linked provider.',
        params: IdParams,
        response: { 204: Type.Null(), ...problems('identity_not_found', 'last_sign_in_method') },
      },
    },
    async (request, reply) => {
      await oauth.unlink(sessionPrincipalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
