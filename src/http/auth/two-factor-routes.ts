import { Type } from 'typebox';
import type { Config } from '../../config.js';
import type { SecondFactorLogin } from '../../services/auth/two-factor/second-factor-login.js';
import type { TrustedDevice, TwoFactorSettings } from '../../services/auth/two-factor/two-factor-settings.js';
import { limitPerClient } from '../rate-limits.js';
import { IdParams, fileResponse, fileResponses, Message, Timestamp, problems, iso } from '../schemas.js';
import type { HttpServer } from '../server.js';
import { principalOf, sessionPrincipalOf } from './authenticate.js';
import { TRUSTED_DEVICE_COOKIE } from './cookies.js';
import { GivenPassword } from './fields.js';
import { LoginAnswer, clientOf, loginAnswer } from './login-answer.js';

export interface TwoFactorRouteDeps {
  config: Config;
  settings: TwoFactorSettings;
  login: SecondFactorLogin;
  now: () => number;
}

const body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });

export const TwoFactorStatus = Type.Object({
  enabled: Type.Boolean({ description: 'Whether login asks for a second factor' }),
  totp: Type.Object({ enabled: Type.Boolean(), pendingSetup: Type.Boolean({ description: 'A setup is waiting for its first code' }) }),
  email: Type.Object({ enabled: Type.Boolean() }),
  recoveryCodesLeft: Type.Integer({ minimum: 0 }),
});

const RecoveryCodes = Type.Array(Type.String(), { description: 'Shown once: keep them somewhere safe. Each signs in once in place of a code' });
const Code = Type.String({ minLength: 1, maxLength: 64, description: 'A 6-digit code from the authenticator app or the mail, or a recovery code' });
const Challenge = Type.String({ minLength: 1, maxLength: 200 });
const Method = Type.Union([Type.Literal('totp'), Type.Literal('email'), Type.Literal('recovery')]);

export const TrustedDeviceView = Type.Object({
  id: Type.Integer(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  lastUsedAt: Timestamp,
  expiresAt: Timestamp,
});
const trustedDeviceView = (device: TrustedDevice) => ({
  id: device.id,
  userAgent: device.userAgent,
  ip: device.ip,
  createdAt: iso(device.createdAt),
  lastUsedAt: iso(device.lastUsedAt),
  expiresAt: iso(device.expiresAt),
});

/**
 * Second factors under /api/v1/auth: managing them (signed-in sessions only: a personal access
 * token cannot turn them off), finishing a login with one, and the trusted devices that skip it.
 */
export function registerTwoFactorRoutes(app: HttpServer, deps: TwoFactorRouteDeps): void {
  const { config, settings, login } = deps;
  const tags = ['two-factor'];
  const session = { access: 'session' as const };

  app.get(
    '/2fa',
    { schema: { tags, operationId: 'getTwoFactorStatus', summary: 'Which second factors are on, and how many recovery codes are left', response: { 200: TwoFactorStatus } } },
    async (request) => settings.status(principalOf(request).userId),
  );

  app.post(
    '/2fa/totp/setup',
    {
      config: session,
      schema: {
        tags,
        operationId: 'startTotpSetup',
        summary: 'Start setting up an authenticator app: a new secret and its QR code',
        description:
          'Needs the current password (none for an account without one). Scan `qrCode` (a PNG data URL) or type `secret`, then ' +
          'turn the factor on with POST /2fa/totp/enable and a code from the app. Starting again replaces a setup not yet enabled.',
        body: body({ password: Type.Optional(GivenPassword) }),
        response: {
          200: Type.Object({
            secret: Type.String({ description: 'Base32, for typing into the app' }),
            otpauthUrl: Type.String(),
            qrCode: Type.String({ description: 'data:image/png;base64,…' }),
          }),
          ...problems('rate_limited', 'wrong_password', 'two_factor_already_enabled'),
        },
      },
    },
    async (request) => {
      const setup = await settings.setupTotp(sessionPrincipalOf(request).userId, request.body.password);
      return { secret: setup.secret, otpauthUrl: setup.otpauthUrl, qrCode: `data:image/png;base64,${setup.qrCodePng.toString('base64')}` };
    },
  );

  app.get(
    '/2fa/totp/qr.png',
    {
      config: session,
      schema: { tags, operationId: 'getTotpQrCode', summary: 'The QR code of the authenticator setup waiting for its first code, as image/png', response: fileResponses({ 200: fileResponse('The QR code', 'image/png'), ...problems('totp_setup_missing') }) },
    },
    async (request, reply) => {
      const png = await settings.pendingQrCode(sessionPrincipalOf(request).userId);
      return reply.type('image/png').header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(png);
    },
  );

  app.post(
    '/2fa/totp/enable',
    {
      config: session,
      schema: {
        tags,
        operationId: 'enableTotp',
        summary: 'Turn the authenticator app on with its first code; answers 10 recovery codes, shown once',
        body: body({ code: Code }),
        response: { 200: Type.Object({ recoveryCodes: RecoveryCodes, status: TwoFactorStatus }), ...problems(['invalid_code', 400], 'code_already_used', 'totp_setup_missing', 'two_factor_already_enabled') },
      },
    },
    async (request) => {
      const userId = sessionPrincipalOf(request).userId;
      const recoveryCodes = await settings.enableTotp(userId, request.body.code);
      return { recoveryCodes, status: await settings.status(userId) };
    },
  );

  app.post(
    '/2fa/email/enable',
    {
      config: session,
      schema: {
        tags,
        operationId: 'enableEmailCodes',
        summary: 'Turn e-mailed sign-in codes on (the address must be verified)',
        description: 'Recovery codes come with the first factor turned on; when another factor is already on, the existing ones stay and `recoveryCodes` is absent.',
        body: body({ password: Type.Optional(GivenPassword) }),
        response: { 200: Type.Object({ recoveryCodes: Type.Optional(RecoveryCodes), status: TwoFactorStatus }), ...problems('rate_limited', 'wrong_password', 'email_not_verified', 'two_factor_already_enabled') },
      },
    },
    async (request) => {
      const userId = sessionPrincipalOf(request).userId;
      const recoveryCodes = await settings.enableEmail(userId, request.body.password);
      return { ...(recoveryCodes ? { recoveryCodes } : {}), status: await settings.status(userId) };
    },
  );

  app.post(
    '/2fa/email/send',
    {
      config: { ...session, ...limitPerClient(config.rateLimits.twoFactorSend, '2fa-send') },
      schema: {
        tags,
        operationId: 'sendTwoFactorEmailCode',
        summary: 'Mail a code that confirms turning a factor off (for accounts whose factor is their mailbox)',
        response: { 202: Message, ...problems('rate_limited', 'two_factor_not_enabled') },
      },
    },
    async (request, reply) => {
      await settings.sendConfirmationCode(sessionPrincipalOf(request).userId);
      return reply.code(202).send({ message: 'A code is on its way; it works for 10 minutes.' });
    },
  );

  app.post(
    '/2fa/disable',
    {
      config: session,
      schema: {
        tags,
        operationId: 'disableTwoFactor',
        summary: 'Turn a second factor off, or all of them when `method` is absent',
        description:
          'Needs the current password and a code from a factor that is on: the authenticator app, a code from POST /2fa/email/send, ' +
          'or a recovery code. With the last factor go the recovery codes and the trusted devices.',
        body: body({ password: Type.Optional(GivenPassword), code: Code, method: Type.Optional(Type.Union([Type.Literal('totp'), Type.Literal('email')])) }),
        response: { 200: TwoFactorStatus, ...problems('rate_limited', 'wrong_password', ['invalid_code', 400], 'two_factor_not_enabled') },
      },
    },
    async (request) => settings.disable(sessionPrincipalOf(request).userId, request.body),
  );

  app.post(
    '/2fa/recovery-codes',
    {
      config: session,
      schema: {
        tags,
        operationId: 'regenerateRecoveryCodes',
        summary: 'Make a fresh set of 10 recovery codes; the old ones stop working',
        body: body({ password: Type.Optional(GivenPassword) }),
        response: { 200: Type.Object({ recoveryCodes: RecoveryCodes }), ...problems('rate_limited', 'wrong_password', 'two_factor_not_enabled') },
      },
    },
    async (request) => ({ recoveryCodes: await settings.regenerateRecoveryCodes(sessionPrincipalOf(request).userId, request.body.password) }),
  );

  app.get(
    '/trusted-devices',
    {
      config: session,
      schema: {
        tags,
        operationId: 'listTrustedDevices',
        summary: 'The browsers and apps that skip the second factor (trusted at login for 30 days)',
        response: { 200: Type.Object({ items: Type.Array(TrustedDeviceView) }) },
      },
    },
    async (request) => ({ items: (await settings.trustedDevices(sessionPrincipalOf(request).userId)).map(trustedDeviceView) }),
  );

  app.delete(
    '/trusted-devices/:id',
    {
      config: session,
      schema: { tags, operationId: 'forgetTrustedDevice', summary: 'Stop trusting a device: its next login asks for the second factor', params: IdParams, response: { 204: Type.Null(), ...problems('trusted_device_not_found') } },
    },
    async (request, reply) => {
      await settings.forgetTrustedDevice(sessionPrincipalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/login/2fa/send',
    {
      config: { access: 'public', ...limitPerClient(config.rateLimits.twoFactorSend, 'login-2fa-send') },
      schema: {
        tags,
        operationId: 'sendLoginCode',
        summary: 'Mail the 6-digit code that finishes a login (the `email` method); asking again sends a new one',
        body: body({ challenge: Challenge }),
        response: { 202: Type.Object({ message: Type.String(), expiresAt: Timestamp }), ...problems('rate_limited', 'challenge_invalid', 'two_factor_not_enabled') },
      },
    },
    async (request, reply) => {
      const { expiresAt } = await login.sendEmailCode(request.body.challenge);
      return reply.code(202).send({ message: 'A code is on its way; it works for 10 minutes.', expiresAt: iso(expiresAt) });
    },
  );

  app.post(
    '/login/2fa',
    {
      config: { access: 'public', ...limitPerClient(config.rateLimits.twoFactor, 'login-2fa') },
      schema: {
        tags,
        operationId: 'finishLogin',
        summary: 'Finish a login with a second factor; answers as POST /login does',
        description:
          'A challenge lives 5 minutes, works once, and dies after 5 wrong codes (each also counts as a failed login for the ' +
          'account). An authenticator code works once. With `trustDevice`, the answer carries `trustedDeviceToken` (or, for a ' +
          'cookie login, sets an HTTP-only cookie): logins that present it skip the second factor for 30 days.',
        body: body({ challenge: Challenge, method: Method, code: Code, trustDevice: Type.Optional(Type.Boolean({ default: false })) }),
        response: { 200: LoginAnswer, ...problems('rate_limited', 'challenge_invalid', ['invalid_code', 401], 'code_already_used', 'two_factor_not_enabled') },
      },
    },
    async (request, reply) => {
      const finished = await login.finish(request.body, clientOf(request));
      const now = deps.now();
      const answer = loginAnswer(reply, finished.result, { cookieSecure: config.auth.cookieSecure, now });
      if (!finished.trustedDeviceToken || finished.trustedUntil === undefined) return answer;
      if (finished.result.kind === 'cookie') {
        reply.setCookie(TRUSTED_DEVICE_COOKIE, finished.trustedDeviceToken, {
          path: '/',
          httpOnly: true,
          sameSite: 'lax',
          secure: config.auth.cookieSecure,
          maxAge: Math.floor((finished.trustedUntil - now) / 1000),
        });
        return answer;
      }
      return { ...answer, trustedDeviceToken: finished.trustedDeviceToken };
    },
  );
}
