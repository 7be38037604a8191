import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { AccountService } from '../../services/auth/account-service.js';
import { TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, type ApiTokenService } from '../../services/auth/api-token-service.js';
import type { CredentialEviction } from '../../services/auth/credential-eviction.js';
import type { PasswordService } from '../../services/auth/password-service.js';
import type { SessionService } from '../../services/auth/session-service.js';
import { limitPerClient } from '../rate-limits.js';
import { EMAIL_MAX } from '../../services/auth/account-rules.js';
import { IdParams, Message, PlainText, problems } from '../schemas.js';
import type { HttpServer } from '../server.js';
import { principalOf, sessionPrincipalOf } from './authenticate.js';
import { Email, GivenPassword, Name, Password, Username } from './fields.js';
import { TRUSTED_DEVICE_COOKIE, clearSessionCookies } from './cookies.js';
import { LoginAnswer, clientOf, loginAnswer } from './login-answer.js';
import { ApiToken, CurrentUser, Eviction, Session, TokenPair, apiTokenView, currentUserView, sessionView } from './views.js';

export interface AuthRouteDeps {
  config: Config;
  accounts: AccountService;
  sessions: SessionService;
  passwords: PasswordService;
  apiTokens: ApiTokenService;
  credentials: CredentialEviction;
  now: () => number;
}

const body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });

/**
 * The canonical account API, registered under /api/v1/auth in a signed-in scope: routes that a
 * signed-out client calls say `access: 'public'`; those that manage credentials say `session`
 * (a personal access token can then read and write as its user, but never lock them out or
 * outlive its own revocation).
 */
export function registerAuthRoutes(app: HttpServer, deps: AuthRouteDeps): void {
  const { config, accounts, sessions, passwords, apiTokens, credentials } = deps;
  const limits = config.rateLimits;
  const tags = ['auth'];

  app.post(
    '/register',
    {
      config: { access: 'public', ...limitPerClient(limits.register, 'register') },
      schema: {
        tags,
        operationId: 'register',
        summary: 'Create an account; a verification link is mailed',
        body: body({
          username: Username,
          email: Email,
          password: Password,
          passwordConfirm: Type.Optional(GivenPassword),
          firstName: Type.Optional(Name),
          lastName: Type.Optional(Name),
        }),
        response: { 201: CurrentUser, ...problems('rate_limited', 'username_taken', 'email_taken') },
      },
    },
    async (request, reply) => {
      const user = await accounts.register(request.body);
      return reply.code(201).send(currentUserView(user));
    },
  );

  app.post(
    '/verify-email',
    {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'verifyEmail',
        summary: 'Confirm an e-mail address with the token from the mailed link',
        body: body({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Type.Object({ user: CurrentUser }), ...problems(['invalid_token', 400]) },
      },
    },
    async (request) => ({ user: currentUserView(await accounts.verifyEmail(request.body.token)) }),
  );

  app.post(
    '/verify-email/resend',
    {
      config: { access: 'public', ...limitPerClient(limits.verifyResend, 'verify-resend') },
      schema: {
        tags,
        operationId: 'resendVerificationEmail',
        summary: 'Mail the verification link again (same answer whether or not the address is known)',
        body: body({ email: Email }),
        response: { 202: Message },
      },
    },
    async (request, reply) => {
      await accounts.resendVerification(request.body.email);
      return reply.code(202).send({ message: 'If that address has an unverified account, a new link is on its way.' });
    },
  );

  app.post(
    '/login',
    {
      config: { access: 'public', ...limitPerClient(limits.loginPerIp, 'login') },
      schema: {
        tags,
        operationId: 'login',
        summary: 'Log in with a username or e-mail and a password',
        description:
          'Returns an access token and a rotating refresh token; with `"cookie": true`, sets an HTTP-only session cookie instead ' +
          '(and a readable CSRF cookie whose value must be echoed in X-CSRF-Token on unsafe requests). ' +
          'Failed logins are limited per address and per account. When the account has a second factor, the answer is a ' +
          'challenge instead (`twoFactorRequired`), finished at POST /api/v1/auth/login/2fa; nothing is issued before.',
        body: body({
          login: Type.String({ minLength: 1, maxLength: EMAIL_MAX, description: 'Username or e-mail address' }),
          password: GivenPassword,
          cookie: Type.Optional(Type.Boolean({ default: false })),
          trustedDeviceToken: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: 'From an earlier second-factor login with `trustDevice` (browsers send the cookie instead)' }),
          ),
        }),
        response: { 200: LoginAnswer, ...problems('rate_limited', 'invalid_credentials', 'email_not_verified') },
      },
    },
    async (request, reply) => {
      const { login, password, cookie = false, trustedDeviceToken } = request.body;
      const trustedDevice = trustedDeviceToken ?? request.cookies[TRUSTED_DEVICE_COOKIE];
      const result = await sessions.login({ login, password, cookie, trustedDevice }, clientOf(request));
      return loginAnswer(reply, result, { cookieSecure: config.auth.cookieSecure, now: deps.now() });
    },
  );

  app.post(
    '/refresh',
    {
      config: { access: 'public' },
      schema: {
        tags,
        operationId: 'refreshTokens',
        summary: 'Exchange a refresh token for a new pair; the old refresh token is retired',
        description:
          'Presenting a retired refresh token again ends its whole session (it was copied). Within a few seconds of its ' +
          'rotation (REFRESH_REUSE_GRACE_SECONDS), the same token gets the same new refresh token instead, so two tabs ' +
          'refreshing at once both stay signed in.',
        body: body({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: TokenPair, ...problems('invalid_refresh_token', 'refresh_token_expired', 'refresh_token_reused') },
      },
    },
    async (request) => ({ tokenType: 'Bearer' as const, ...(await sessions.refresh(request.body.refreshToken)) }),
  );

  app.post(
    '/logout',
    { schema: { tags, operationId: 'logout', summary: 'End the current session', response: { 204: Type.Null() } } },
    async (request, reply) => {
      await sessions.logout(principalOf(request));
      clearSessionCookies(reply, config.auth.cookieSecure);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/logout-all',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'logoutEverywhere',
        summary: 'Sign out everywhere: end every session and revoke every personal access token',
        description: 'What a user does after a compromise: every session (this one too) and every token stop working, and their sockets close.',
        response: { 200: Eviction },
      },
    },
    async (request, reply) => {
      const eviction = await credentials.evictCredentials(sessionPrincipalOf(request).userId);
      clearSessionCookies(reply, config.auth.cookieSecure);
      return eviction;
    },
  );

  app.get(
    '/sessions',
    {
      config: { access: 'session' },
      schema: { tags, operationId: 'listSessions', summary: 'The open sessions of this account', response: { 200: Type.Object({ items: Type.Array(Session) }) } },
    },
    async (request) => {
      const principal = sessionPrincipalOf(request);
      const items = await sessions.list(principal.userId);
      return { items: items.map((s) => sessionView(s, principal.sessionId)) };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      config: { access: 'session' },
      schema: { tags, operationId: 'endSession', summary: 'End one session of this account', params: IdParams, response: { 204: Type.Null(), ...problems('session_not_found', 'not_a_session') } },
    },
    async (request, reply) => {
      await sessions.end(sessionPrincipalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/password/change',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'changePassword',
        summary: 'Change the password; every other session and every personal access token ends',
        description:
          'This session stays signed in; the answer says what ended. A wrong current password counts as a failed login for ' +
          'the account: past the limit the answer is 429 with Retry-After.',
        body: body({ currentPassword: GivenPassword, newPassword: Password }),
        response: { 200: Eviction, ...problems('rate_limited', 'wrong_password', 'same_password') },
      },
    },
    async (request) => passwords.change(sessionPrincipalOf(request), request.body.currentPassword, request.body.newPassword),
  );

  app.post(
    '/password/forgot',
    {
      config: { access: 'public', ...limitPerClient(limits.passwordForgot, 'password-forgot') },
      schema: {
        tags,
        operationId: 'forgotPassword',
        summary: 'Mail a 6-digit code and a link to reset the password (same answer whether or not the address is known)',
        body: body({ email: Email }),
        response: { 202: Message },
      },
    },
    async (request, reply) => {
      await passwords.forgot(request.body.email);
      return reply.code(202).send({ message: 'If that address has an account, a code and a link are on their way. They work for 15 minutes.' });
    },
  );

  const Code = Type.String({ pattern: '^[0-9]{6}$', 'x-message': 'must be the 6 digits from the mail' });

  app.post(
    '/password/check-code',
    {
      config: { access: 'public', ...limitPerClient(limits.codeCheck, 'code-check') },
      schema: {
        tags,
        operationId: 'checkResetCode',
        summary: 'Say whether a reset code is valid, without using it (a wrong one counts as an attempt; 5 spend the code)',
        body: body({ email: Email, code: Code }),
        response: { 200: Type.Object({ valid: Type.Boolean() }) },
      },
    },
    async (request) => ({ valid: await passwords.checkCode(request.body.email, request.body.code) }),
  );

  app.post(
    '/password/reset',
    {
      config: { access: 'public', ...limitPerClient(limits.codeCheck, 'password-reset') },
      schema: {
        tags,
        operationId: 'resetPassword',
        summary: 'Set a new password with the mailed code (and e-mail) or link token; every session and personal access token ends',
        body: body({
          email: Type.Optional(Email),
          code: Type.Optional(Code),
          token: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          newPassword: Password,
        }),
        response: { 204: Type.Null(), ...problems('rate_limited', 'invalid_reset_code') },
      },
    },
    async (request, reply) => {
      await passwords.reset(request.body);
      return reply.code(204).send(null);
    },
  );

  const Availability = Type.Object({
    available: Type.Boolean(),
    reason: Type.Optional(Type.Union([Type.Literal('taken'), Type.Literal('invalid'), Type.Literal('reserved')])),
    message: Type.Optional(Type.String()),
  });

  app.get(
    '/availability',
    {
      config: { access: 'public', ...limitPerClient(limits.availability, 'availability') },
      schema: {
        tags,
        operationId: 'checkAvailability',
        summary: 'Whether a username and/or e-mail address can be used to register',
        querystring: Type.Object(
          {
            username: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            email: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
          },
          { additionalProperties: false, minProperties: 1, 'x-message': 'ask about username, email or both' },
        ),
        response: { 200: Type.Object({ username: Type.Optional(Availability), email: Type.Optional(Availability) }) },
      },
    },
    async (request) => accounts.availability(request.query),
  );

  app.post(
    '/tokens',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'createApiToken',
        summary: 'Create a personal access token (shown once), for Authorization: Token <token>',
        description:
          'Needs the current password; a wrong one counts as a failed login for the account (429 with Retry-After past the ' +
          'limit). The account’s address is mailed a notice. A token can read and write as its user but cannot manage ' +
          'credentials (403 `session_required`).',
        body: body({
          name: PlainText({ minLength: 1, maxLength: 100 }),
          password: GivenPassword,
          expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: TOKEN_MAX_DAYS, description: `Default ${TOKEN_DEFAULT_DAYS}` })),
        }),
        response: {
          201: Type.Intersect([ApiToken, Type.Object({ token: Type.String({ description: 'The secret; it is not shown again' }) })]),
          ...problems('rate_limited', 'wrong_password'),
        },
      },
    },
    async (request, reply) => {
      const created = await apiTokens.create(sessionPrincipalOf(request), request.body);
      return reply.code(201).send({ ...apiTokenView(created), token: created.token });
    },
  );

  app.get(
    '/tokens',
    {
      config: { access: 'session' },
      schema: {
        tags,
        operationId: 'listApiTokens',
        summary: 'This account’s personal access tokens, without their secrets',
        response: { 200: Type.Object({ items: Type.Array(ApiToken) }) },
      },
    },
    async (request) => ({ items: (await apiTokens.list(sessionPrincipalOf(request).userId)).map(apiTokenView) }),
  );

  app.delete(
    '/tokens/:id',
    {
      config: { access: 'session' },
      schema: { tags, operationId: 'revokeApiToken', summary: 'Revoke a personal access token', params: IdParams, response: { 204: Type.Null(), ...problems('token_not_found') } },
    },
    async (request, reply) => {
      await apiTokens.revoke(sessionPrincipalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
