import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { limitPerClient } from '../../http/rate-limits.js';
import type { HttpServer } from '../../http/server.js';
import type { AccountService } from '../../services/auth/account-service.js';
import { validationError } from '../../services/errors.js';
import type { User } from '../../services/users/user.js';
import { Body } from '../body.js';
import { answer, type Dialect } from '../dialect.js';
import type { DjangoAuth } from '../django/auth.js';
import { withFieldNames } from '../django/errors.js';
import { noActiveAccount, type DjangoTokens } from '../django/tokens.js';
import { dialectUrl } from '../django/urls.js';
import { principalOf } from '../../http/auth/authenticate.js';

export interface Dialect003Deps {
  config: Config;
  accounts: Pick<AccountService, 'register' | 'registerByEmail' | 'verifyEmail' | 'me'>;
  tokens: DjangoTokens;
  auth: DjangoAuth;
}

/** 003's user, as its serializer wrote it. */
const userJson = (user: User) => ({ id: user.id, email: user.email, is_email_confirmed: user.emailVerifiedAt !== null });

/**
 * 003 (Django REST + SimpleJWT, e-mail confirmation): register by e-mail with a mailed link,
 * JWT login by e-mail (or username), refresh without rotation, the current user.
 */
export function dialect003(deps: Dialect003Deps): Dialect {
  const { config, accounts, tokens, auth } = deps;
  const limits = config.rateLimits;
  return {
    seed: '003',
    roots: ['api/register', 'api/confirm-email', 'api/token', 'api/user'],
    routes(scope: HttpServer) {
      const mount = scope.prefix;
      const confirmLink = (request: FastifyRequest) => (token: string) =>
        dialectUrl(request, config.oauth.publicUrl, mount, `/api/confirm-email/?token=${encodeURIComponent(token)}`);

      scope.post('/api/register/', { config: limitPerClient(limits.register, 'register') }, async (request, reply) => {
        const body = await Body.read(request);
        const email = body.requiredText('email', { max: 254 });
        const password = body.requiredText('password', { max: 1024 });
        const username = body.text('username', { max: 64 });
        const options = { verifyLink: confirmLink(request) };
        const user = await withFieldNames({}, () =>
          username ? accounts.register({ username, email, password }, options) : accounts.registerByEmail({ email, password }, options),
        );
        return answer(reply, 201, userJson(user));
      });

      // The mailed link, followed with a plain GET (a mail client, a browser).
      const confirm = async (token: unknown) => {
        if (typeof token !== 'string' || token === '' || token.length > 512) {
          throw validationError('invalid_token', 'The link is incomplete', [{ field: 'token', message: 'This field is required.' }]);
        }
        const user = await accounts.verifyEmail(token);
        return { detail: 'Email confirmed.', ...userJson(user) };
      };
      scope.get('/api/confirm-email/', async (request) => confirm((request.query as Record<string, unknown>).token));
      scope.get<{ Params: { token: string } }>('/api/confirm-email/:token/', async (request) => confirm(request.params.token));

      scope.post('/api/token/', { config: limitPerClient(limits.loginPerIp, 'login') }, async (request, reply) => {
        const body = await Body.read(request);
        const login = body.text('email', { max: 254 }) ?? body.text('username', { max: 254 });
        if (login === undefined) throw validationError('validation_failed', 'email is required', [{ field: 'email', message: 'This field is required.' }]);
        const password = body.requiredText('password', { max: 1024 });
        const pair = await tokens.login(request, login, password).catch(noActiveAccount);
        return answer(reply, 200, { refresh: pair.refresh, access: pair.access });
      });

      scope.post('/api/token/refresh/', async (request, reply) => {
        const body = await Body.read(request);
        const refresh = body.requiredText('refresh', { max: 4096 });
        return answer(reply, 200, { access: await tokens.access(refresh) });
      });

      scope.get('/api/user/', { onRequest: auth.required }, async (request) => userJson(await accounts.me(principalOf(request).userId)));
    },
  };
}
