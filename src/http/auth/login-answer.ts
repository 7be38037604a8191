import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ClientInfo } from '../../services/auth/context.js';
import type { LoginChallenge, LoginResult } from '../../services/auth/session-service.js';
import { Id } from '../schemas.js';
import { setSessionCookies } from './cookies.js';
import { CurrentUser, TokenPair, currentUserView } from './views.js';

/** What every way of signing in answers (password, second factor, OAuth exchange): one shape for clients. */

const LoginTokens = Type.Intersect([
  TokenPair,
  Type.Object({
    user: CurrentUser,
    trustedDeviceToken: Type.Optional(
      Type.String({ description: 'Given when the second factor was passed with `trustDevice`: send it as `trustedDeviceToken` at login to skip the second factor for 30 days' }),
    ),
  }),
]);
const LoginCookie = Type.Object({
  sessionId: Id,
  csrfToken: Type.String({ description: 'Echo in X-CSRF-Token on unsafe requests that use the session cookie' }),
  expiresAt: Type.String({ format: 'date-time' }),
  user: CurrentUser,
});
const LoginChallengeAnswer = Type.Object({
  twoFactorRequired: Type.Literal(true),
  challenge: Type.String({ description: 'Finish with POST /api/v1/auth/login/2fa within 5 minutes' }),
  methods: Type.Array(Type.Union([Type.Literal('totp'), Type.Literal('email'), Type.Literal('recovery')]), {
    description: 'The second factors this account can finish with; `email` needs POST /api/v1/auth/login/2fa/send first',
  }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const LoginAnswer = Type.Union([LoginTokens, LoginCookie, LoginChallengeAnswer]);

export const clientOf = (request: FastifyRequest): ClientInfo => ({
  userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
  ip: request.ip ?? null,
});

/** The body of a sign-in answer; a cookie session's cookies are set on `reply`. */
export function loginAnswer(reply: FastifyReply, result: LoginResult | LoginChallenge, options: { cookieSecure: boolean; now: number }) {
  switch (result.kind) {
    case 'challenge':
      return { twoFactorRequired: true as const, challenge: result.challenge, methods: result.methods, expiresAt: new Date(result.expiresAt).toISOString() };
    case 'cookie':
      setSessionCookies(reply, { secret: result.cookieSecret, csrfToken: result.csrfToken, expiresAt: result.expiresAt, secure: options.cookieSecure, now: options.now });
      return { sessionId: result.sessionId, csrfToken: result.csrfToken, expiresAt: new Date(result.expiresAt).toISOString(), user: currentUserView(result.user) };
    case 'tokens':
      return {
        tokenType: 'Bearer' as const,
        accessToken: result.accessToken,
        refreshToken: result.refreshToken,
        expiresIn: result.expiresIn,
        sessionId: result.sessionId,
        user: currentUserView(result.user),
      };
  }
}
