import type { FastifyReply, FastifyRequest, HTTPMethods, RouteShorthandOptions } from 'fastify';
import type { Config } from '../../config.js';
import { clientOf } from '../../http/auth/login-answer.js';
import { principalOf, sessionPrincipalOf } from '../../http/auth/authenticate.js';
import { limitPerClient } from '../../http/rate-limits.js';
import { findUnstorableText } from '../../http/untrusted-input.js';
import type { HttpServer } from '../../http/server.js';
import type { AccountService } from '../../services/auth/account-service.js';
import type { PasswordService } from '../../services/auth/password-service.js';
import type { LoginChallenge, LoginResult, SessionService } from '../../services/auth/session-service.js';
import type { SecondFactorLogin } from '../../services/auth/two-factor/second-factor-login.js';
import type { TwoFactorSettings } from '../../services/auth/two-factor/two-factor-settings.js';
import type { OAuthService } from '../../services/auth/oauth/oauth-service.js';
import { allowedRedirect } from '../../services/auth/oauth/redirects.js';
import type { AvatarService } from '../../services/avatar-service.js';
import { DomainError, forbidden, notFound, validationError } from '../../services/errors.js';
import type { SocialService } from '../../services/social/social-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import type { PublicUser } from '../../services/users/user.js';
import { avatarView } from '../../views/avatars.js';
import { Body, pathId } from '../body.js';
import { answer, type Dialect } from '../dialect.js';
import type { DjangoAuth } from '../django/auth.js';
import { withFieldNames } from '../django/errors.js';
import { dialectUrl } from '../django/urls.js';
import type { DjangoTokens } from '../django/tokens.js';
import { errors002 } from './errors.js';
import { emailProblems, maskedEmail, passwordProblems, refuse, usernameProblems } from './input.js';

export interface Dialect002Deps {
  config: Config;
  accounts: Pick<AccountService, 'register' | 'availability' | 'verifyEmail' | 'me'>;
  sessions: Pick<SessionService, 'login' | 'signIn'>;
  passwords: Pick<PasswordService, 'forgot' | 'checkCode' | 'reset' | 'change' | 'replace'>;
  twoFactor: Pick<TwoFactorSettings, 'setupTotp' | 'pendingQrCode' | 'enableTotp' | 'disable' | 'status'>;
  secondFactor: Pick<SecondFactorLogin, 'finish'>;
  profiles: Pick<ProfileService, 'update' | 'delete' | 'byIds' | 'byUsername' | 'search'>;
  social: Pick<SocialService, 'befriend' | 'unfriend' | 'friends' | 'requests' | 'status'>;
  avatars: Pick<AvatarService, 'set' | 'reset'>;
  /** Sign-in with GitHub and 42, through our OAuth start and callback. */
  oauth: Pick<OAuthService, 'exchange' | 'list'>;
  /** The origins a sign-in may send the browser back to (`source`), besides this server's. */
  redirectOrigins: ReadonlySet<string>;
  tokens: DjangoTokens;
  auth: DjangoAuth;
}

const METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
// Bounds on what is read before the rules look at it (those are tighter).
const TEXT_MAX = 1024;
/** The most people a search, an id list or a friend list answers with. */
const LIST_MAX = 100;

/** What `change_list` may name. */
const CHANGES: readonly string[] = ['username', 'email', 'password'];
/** The most friends, and requests each way, the friend list answers with. */
const FRIENDS_MAX = 500;

/** The document's names of the providers, as ours. */
const PROVIDERS: Readonly<Record<string, string>> = { github: 'github', '42api': '42' };

const noSuchUser = () => notFound('user_not_found', 'User not found');

/**
 * 002 (Django, "User Management"): signup and signin answering a refresh token (`{"2fa": true}`
 * when an authenticator code is needed), access tokens from it, availability checks, password reset
 * by a mailed code, people by id, name and search, profile changes by `change_list`, TOTP, friends,
 * avatars. The access token is the bare `Authorization` header; every failure is
 * `{"errors": ["..."]}`.
 */
export function dialect002(deps: Dialect002Deps): Dialect {
  const { config, accounts, sessions, passwords, profiles, social, tokens, auth } = deps;
  const limits = config.rateLimits;

  /** The caller, from the access token as the bare header (`Bearer` and our own tokens work too). */
  const signedIn = async (request: FastifyRequest): Promise<void> => {
    request.principal = await auth.identify(bareToBearer(request.headers.authorization));
  };
  const me = (request: FastifyRequest) => principalOf(request).userId;

  /** A session just opened, as the document answers it: 201 and the refresh token. */
  const signedInAnswer = (reply: FastifyReply, result: LoginResult) => answer(reply, 201, { refresh_token: tokens.pairOf(result).refresh });

  const person = async (id: number): Promise<PublicUser> => {
    const found = (await profiles.byIds([id])).get(id);
    if (!found) throw noSuchUser();
    return found;
  };
  const personJson = (user: PublicUser) => ({ id: user.id, username: user.username, avatar: avatarView(user).large });

  return {
    seed: '002',
    roots: ['user'],
    errors: errors002,
    routes(scope: HttpServer) {
      const served = new Map<string, Set<HTTPMethods>>();
      /** A path with and without its trailing slash (the document writes both); other methods answer 405. */
      const route = (method: HTTPMethods, url: string, options: RouteShorthandOptions, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
        const bare = url.replace(/\/$/, '');
        for (const path of [bare, `${bare}/`]) {
          scope.route({ method, url: path, ...options, handler });
          served.set(path, (served.get(path) ?? new Set()).add(method));
        }
      };
      const open = {};
      const withAuth = { onRequest: signedIn };

      // --- signing up and in --------------------------------------------------------------------------
      route('POST', '/user/signup/', { config: limitPerClient(limits.register, 'register') }, async (request, reply) => {
        const fields = await asUnauthorized(async () => {
          const body = await Body.read(request);
          const given = {
            username: body.requiredText('username', { max: TEXT_MAX }),
            email: body.requiredText('email', { max: TEXT_MAX }),
            password: body.requiredText('password', { max: TEXT_MAX }),
          };
          refuse([...usernameProblems(given.username), ...emailProblems(given.email), ...passwordProblems(given.password)]);
          await accounts.register(given);
          return given;
        });
        const result = await sessions.login({ login: fields.username, password: fields.password, cookie: false }, clientOf(request)).catch((error: unknown) => {
          // With REQUIRE_EMAIL_VERIFICATION on, the session waits for the mailed link.
          if (error instanceof DomainError && error.code === 'email_not_verified') return undefined;
          throw error;
        });
        if (!result) return answer(reply, 201, { refresh_token: null, message: 'Account created: open the link mailed to you, then sign in' });
        // A new account has no second factor.
        if (result.kind === 'challenge') throw new Error('a new account asked for a second factor');
        return signedInAnswer(reply, result);
      });

      route('POST', '/user/signin/', { config: limitPerClient(limits.loginPerIp, 'login') }, async (request, reply) => {
        const { login, password, code } = await asUnauthorized(async () => {
          const body = await Body.read(request);
          return {
            login: body.text('login', { max: TEXT_MAX }) ?? body.requiredText('username', { max: TEXT_MAX }),
            password: body.requiredText('password', { max: TEXT_MAX }),
            code: body.text('2fa_code', { max: 64 }),
          };
        });
        const result = await asUnauthorized(() => sessions.login({ login, password, cookie: false }, clientOf(request)));
        if (result.kind !== 'challenge') return signedInAnswer(reply, result);
        const method = methodFor(result, code);
        if (code === undefined || code.trim() === '') return answer(reply, 200, { '2fa': true });
        const finished = await asUnauthorized(() => deps.secondFactor.finish({ challenge: result.challenge, method, code }, clientOf(request)));
        return signedInAnswer(reply, finished.result);
      });

      route('POST', '/user/refresh-access-jwt/', open, async (request, reply) => {
        const body = await Body.read(request);
        const refresh = body.requiredText('refresh_token', { max: 4096 });
        const access = await tokens.access(refresh).catch((error: unknown) => {
          if (error instanceof DomainError && error.kind === 'unauthorized') throw validationError('invalid_refresh_token', 'Invalid refresh token');
          throw error;
        });
        return answer(reply, 200, { access_token: access });
      });

      for (const field of ['username', 'email'] as const) {
        route('POST', `/user/${field}-exist/`, { config: limitPerClient(limits.availability, 'availability') }, async (request, reply) => {
          const value = (await Body.read(request)).requiredText(field, { max: TEXT_MAX });
          const found = (await accounts.availability({ [field]: value }))[field];
          // Taken, or kept back (reserved): either way signing up with it fails.
          return answer(reply, 200, { is_taken: found !== undefined && !found.available && found.reason !== 'invalid' });
        });
      }

      // --- a forgotten password -----------------------------------------------------------------------
      route('POST', '/user/forgot-password/send-code/', { config: limitPerClient(limits.passwordForgot, 'password-forgot') }, async (request, reply) => {
        const email = (await Body.read(request)).requiredText('email', { max: 254 });
        // The same answer whether or not the address has an account, so none can be probed.
        const { expiresAt } = await passwords.forgot(email);
        return answer(reply, 200, { ok: 'Email sent', email: maskedEmail(email.trim()), expires: new Date(expiresAt).toISOString() });
      });

      route('POST', '/user/forgot-password/check-code/', { config: limitPerClient(limits.codeCheck, 'password-reset') }, async (request, reply) => {
        const body = await Body.read(request);
        const email = body.requiredText('email', { max: 254 });
        const code = body.requiredText('code', { max: 64 });
        if (!(await passwords.checkCode(email, code))) throw validationError('invalid_reset_code', 'Invalid or expired code');
        return answer(reply, 200, { ok: 'ok' });
      });

      route('POST', '/user/forgot-password/change-password/', { config: limitPerClient(limits.codeCheck, 'password-reset') }, async (request, reply) => {
        const body = await Body.read(request);
        const email = body.requiredText('email', { max: 254 });
        const code = body.requiredText('code', { max: 64 });
        const newPassword = body.requiredText('new_password', { max: TEXT_MAX });
        refuse(passwordProblems(newPassword, 'new_password'));
        await withFieldNames({ newPassword: 'new_password' }, () => passwords.reset({ email, code, newPassword }));
        return answer(reply, 200, { ok: 'Password changed' });
      });

      // --- me and other people -----------------------------------------------------------------------
      route('GET', '/user/me/', withAuth, async (request, reply) => {
        const user = await accounts.me(me(request));
        return answer(reply, 200, { id: user.id, username: user.username, email: user.email, '2fa': user.secondFactors.includes('totp'), avatar: avatarView(await person(user.id)).large });
      });

      route('GET', '/user/id/:id/', withAuth, async (request, reply) => answer(reply, 200, personJson(await person(idOf(request)))));

      // `/user/<id>/` in the document; its clients also ask `/user/<username>/`.
      route('GET', '/user/:name/', withAuth, async (request, reply) => {
        const name = pathText(request, 'name');
        const id = /^\d{1,15}$/.test(name) ? Number(name) : undefined;
        const found = id !== undefined ? (await profiles.byIds([id])).get(id) : await profiles.byUsername(name);
        if (!found) throw noSuchUser();
        return answer(reply, 200, personJson(found));
      });

      route('POST', '/user/id-list/', withAuth, async (request, reply) => {
        const ids = (await Body.read(request)).integers('id_list', { max: LIST_MAX }) ?? [];
        const found = await profiles.byIds([...new Set(ids)]);
        return answer(reply, 200, Object.fromEntries([...found.values()].map((user) => [String(user.id), user.username])));
      });

      route('POST', '/user/search-username/', withAuth, async (request, reply) => {
        const query = (await Body.read(request)).text('username', { max: 100 }) ?? '';
        if (query.trim() === '') throw validationError('validation_failed', 'Username not found');
        const found = await profiles.search(me(request), query.trim(), { limit: LIST_MAX });
        const usernames = found.map((f) => f.person.username);
        return answer(reply, 200, { usernames, users: usernames });
      });

      // --- changing the account ---------------------------------------------------------------------
      // The access token comes in the body, as the document has it, or in the header.
      route('POST', '/user/update-infos/', open, async (request, reply) => {
        const body = await Body.read(request);
        const token = body.text('access_token', { max: 4096 });
        request.principal = await auth.identify(bareToBearer(token ?? request.headers.authorization));
        const changes = new Set(body.texts('change_list', { max: 3, maxLength: 20 }) ?? []);
        const unknown = [...changes].filter((c) => !CHANGES.includes(c));
        if (changes.size === 0 || unknown.length > 0) {
          throw validationError('validation_failed', 'change_list names what changes', [{ field: 'change_list', message: 'change_list must contain at least one of "username", "email", "password", and nothing else' }]);
        }
        const username = changes.has('username') ? body.requiredText('username', { max: TEXT_MAX }) : undefined;
        const email = changes.has('email') ? body.requiredText('email', { max: TEXT_MAX }) : undefined;
        const password = changes.has('password') ? body.requiredText('password', { max: TEXT_MAX }) : undefined;
        // Not in the document: the current password, which changing the address needs (as on /api/v1).
        const current = body.text('current_password', { max: TEXT_MAX }) ?? body.text('old_password', { max: TEXT_MAX });
        refuse([...(username === undefined ? [] : usernameProblems(username)), ...(email === undefined ? [] : emailProblems(email)), ...(password === undefined ? [] : passwordProblems(password))]);
        // Credentials (the address, the password) are changed from a session only, as on /api/v1.
        const principal = email !== undefined || password !== undefined ? sessionPrincipalOf(request) : principalOf(request);
        await withFieldNames({ currentPassword: 'current_password', newPassword: 'password' }, async () => {
          if (username !== undefined || email !== undefined) await profiles.update(principal.userId, { username, email, currentPassword: email !== undefined ? current : undefined });
          if (password !== undefined) {
            const session = sessionPrincipalOf(request);
            await (current === undefined ? passwords.replace(session, password) : passwords.change(session, current, password));
          }
        });
        return answer(reply, 200, { ok: 'ok' });
      });

      route('DELETE', '/user/delete-account/', withAuth, async (request, reply) => {
        const body = await Body.read(request);
        const password = body.text('password', { max: TEXT_MAX }) ?? Body.query(request).text('password', { max: TEXT_MAX });
        const { userId } = sessionPrincipalOf(request);
        await profiles.delete(userId, password);
        return answer(reply, 200, { message: 'Account deleted' });
      });

      // The link mailed at signup, as the client's page posts it: the address is confirmed, and the person signed in.
      route('POST', '/user/verify-email/:id/:token/', open, async (request, reply) => {
        const id = idOf(request);
        const token = (request.params as { token: string }).token;
        if (token.length > 512) throw validationError('invalid_token', 'Invalid link');
        const user = await accounts.verifyEmail(token);
        if (user.id !== id) throw validationError('invalid_token', 'Invalid link');
        const result = await sessions.signIn(user, { cookie: false, client: clientOf(request) });
        if (result.kind === 'challenge') return answer(reply, 200, { '2fa': true });
        return answer(reply, 200, { refresh_token: tokens.pairOf(result).refresh });
      });

      // --- two-factor sign-in (an authenticator app) -----------------------------------------------
      route('POST', '/user/2fa/enable', withAuth, async (request, reply) => {
        // Not in the document: the password, as /api/v1 asks for it before a second factor changes.
        const password = (await Body.read(request)).text('password', { max: TEXT_MAX });
        const setup = await deps.twoFactor.setupTotp(me(request), password);
        return reply.code(200).type('image/png').send(setup.qrCodePng);
      });

      route('POST', '/user/2fa/verify', withAuth, async (request, reply) => {
        const code = (await Body.read(request)).requiredText('code', { max: 64 });
        const recoveryCodes = await deps.twoFactor.enableTotp(me(request), code);
        return answer(reply, 200, { message: '2fa verified', recovery_codes: recoveryCodes });
      });

      route('POST', '/user/2fa/disable', withAuth, async (request, reply) => {
        const userId = me(request);
        if (!(await deps.twoFactor.status(userId)).totp.enabled) throw validationError('two_factor_not_enabled', '2FA is already disabled');
        const body = await Body.read(request);
        // Not in the document: the password and a code (authenticator or recovery), as /api/v1 asks.
        const password = body.text('password', { max: TEXT_MAX });
        const code = body.requiredText('code', { max: 64 });
        await deps.twoFactor.disable(userId, { password, code, method: 'totp' });
        return answer(reply, 200, { message: '2fa disabled' });
      });

      // --- friends ------------------------------------------------------------------------------------
      route('GET', '/user/friends/', withAuth, async (request, reply) => {
        const userId = me(request);
        const page = { limit: FRIENDS_MAX };
        const [friends, incoming, outgoing] = await Promise.all([social.friends(userId, page), social.requests(userId, 'incoming', page), social.requests(userId, 'outgoing', page)]);
        const entry = (status: 'accepted' | 'pending', direction?: 'incoming' | 'outgoing') => (f: { person: PublicUser }) => ({
          id: f.person.id,
          username: f.person.username,
          status,
          ...(direction ? { direction } : {}),
        });
        return answer(reply, 200, { friends: [...friends.map(entry('accepted')), ...incoming.map(entry('pending', 'incoming')), ...outgoing.map(entry('pending', 'outgoing'))] });
      });

      route('POST', '/user/friends/request/', withAuth, async (request, reply) => {
        const friendId = (await Body.read(request)).requiredInteger('friend_id');
        const { status } = await social.befriend(me(request), friendId);
        return answer(reply, 200, { status: status === 'friends' ? 'accepted' : 'pending' });
      });

      for (const [path, act] of [
        ['/user/friends/accept/', 'accept'],
        ['/user/friends/decline/', 'decline'],
      ] as const) {
        route('POST', path, withAuth, async (request, reply) => {
          const userId = me(request);
          const friendId = (await Body.read(request)).requiredInteger('friend_id');
          if ((await social.status(userId, friendId)) !== 'incoming') throw validationError('validation_failed', 'No friend request from this user');
          if (act === 'accept') await social.befriend(userId, friendId);
          else await social.unfriend(userId, friendId);
          return answer(reply, 200, { status: act === 'accept' ? 'accepted' : 'declined' });
        });
      }

      route('DELETE', '/user/friends/', withAuth, async (request, reply) => {
        const friendId = Body.query(request).integer('friend_id') ?? (await Body.read(request)).requiredInteger('friend_id');
        await social.unfriend(me(request), friendId);
        return answer(reply, 200, { status: 'removed' });
      });

      // --- avatars ------------------------------------------------------------------------------------
      // For `<img src>`: sent on to the picture (which `/files` serves to anyone), with its URL as JSON.
      route('GET', '/user/avatar/:username/', open, async (request, reply) => {
        const found = await profiles.byUsername(pathText(request, 'username'));
        if (!found) throw noSuchUser();
        const url = avatarView(found).large;
        return reply.code(302).header('location', url).type('application/json; charset=utf-8').send(JSON.stringify({ avatar: url }));
      });

      route('POST', '/user/avatar/', withAuth, async (request, reply) => {
        const body = await Body.read(request);
        const data = body.files.get('avatar')?.data ?? dataUrlBytes(body.requiredText('avatar', { max: Math.ceil(config.avatars.maxBytes * 1.4) + 100 }));
        if (data.length > config.avatars.maxBytes) throw new request.server.multipartErrors.RequestFileTooLargeError();
        const owner = await withFieldNames({ file: 'avatar' }, () => deps.avatars.set(me(request), data));
        return answer(reply, 200, { avatar: avatarView(owner).large });
      });

      route('DELETE', '/user/avatar/', withAuth, async (request, reply) => answer(reply, 200, { avatar: avatarView(await deps.avatars.reset(me(request))).large }));

      // --- sign-in with GitHub or 42 -----------------------------------------------------------------
      // The browser is sent through our OAuth start (state cookie, PKCE) and callback, which come
      // back here with a one-time code; the session it opens goes to `source` in a cookie.
      const ownOrigin = (request: FastifyRequest) => new URL(dialectUrl(request, config.oauth.publicUrl, '', '/')).origin;
      const checkedSource = (request: FastifyRequest, source: string) => {
        try {
          return allowedRedirect(source, new Set([...deps.redirectOrigins, ownOrigin(request)]));
        } catch {
          throw validationError('redirect_not_allowed', 'source must be an http(s) URL of the app');
        }
      };
      const providerOf = (request: FastifyRequest) => {
        const { service } = request.params as { service: string };
        const provider = Object.hasOwn(PROVIDERS, service) ? PROVIDERS[service] : undefined;
        if (provider === undefined || !deps.oauth.list().some((p) => p.id === provider)) throw validationError('validation_failed', 'Unknown auth service');
        return provider;
      };

      route('GET', '/user/oauth/:service/', { config: limitPerClient(limits.oauthStart, 'oauth-start') }, async (request, reply) => {
        const provider = providerOf(request);
        const source = checkedSource(request, Body.query(request).requiredText('source', { max: 2048 }));
        const service = (request.params as { service: string }).service;
        const back = dialectUrl(request, config.oauth.publicUrl, scope.prefix, `/user/oauth/callback/${service}/?source=${encodeURIComponent(source)}`);
        return answer(reply, 200, { redirection_url: dialectUrl(request, config.oauth.publicUrl, '', `/api/v1/auth/oauth/${provider}?redirect=${encodeURIComponent(back)}`) });
      });

      route('GET', '/user/oauth/callback/:service/', open, async (request, reply) => {
        providerOf(request);
        const query = Body.query(request);
        const error = query.text('error', { max: 200 });
        if (error !== undefined) throw validationError('code_rejected', `Failed to retrieve access token (${error.slice(0, 100)})`);
        const code = query.requiredText('code', { max: 512 });
        const source = checkedSource(request, query.requiredText('source', { max: 2048 }));
        const pair = tokens.pairOf(await deps.oauth.exchange(code, { cookie: false, client: clientOf(request) }));
        // The document's clients read the token from the cookie: it cannot be HTTP-only.
        reply.setCookie('refresh_token', pair.refresh, { path: '/', sameSite: 'lax', secure: request.protocol === 'https', maxAge: config.auth.refreshTokenTtlDays * 86_400 });
        return reply.code(302).header('location', source).type('application/json; charset=utf-8').send(JSON.stringify({ redirection_url: source }));
      });

      // --- what the document has no path for yet: a 405 on the paths it does have ----------------------
      for (const [path, methods] of served) {
        const others = METHODS.filter((m) => !methods.has(m));
        if (others.length === 0) continue;
        scope.route({
          method: others,
          url: path,
          handler: async () => {
            throw Object.assign(new Error(`Method not allowed; use ${[...methods].join(', ')}`), { statusCode: 405 });
          },
        });
      }
    },
  };
}

/** `Authorization: <token>` as 002's clients send it, read as `Bearer <token>`; other schemes stay as they are. */
function bareToBearer(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  return value !== '' && !value.includes(' ') ? `Bearer ${value}` : header;
}

/** A text segment of the path (a username); one no store can keep (NUL, a lone surrogate) is no such path. */
function pathText(request: FastifyRequest, name: string): string {
  const value = (request.params as Record<string, string | undefined>)[name] ?? '';
  if (value.length > 150 || findUnstorableText({ value })) throw notFound('not_found', 'Not found');
  return value;
}

/** The `<id>` of the path. */
const idOf = (request: FastifyRequest) => pathId((request.params as { id?: string }).id, 'Not found');

/**
 * The second factor a signin's `2fa_code` is for: the authenticator's 6 digits, or a recovery code.
 * An account whose only factor is a mailed code cannot sign in here: there is no step to mail it.
 */
function methodFor(challenge: LoginChallenge, code: string | undefined): 'totp' | 'recovery' {
  if (!challenge.methods.includes('totp')) {
    throw forbidden('second_factor_required', 'This account uses a mailed sign-in code, which this client cannot ask for; sign in with the web app');
  }
  return code !== undefined && !/^\s*\d{6}\s*$/.test(code) && challenge.methods.includes('recovery') ? 'recovery' : 'totp';
}

/** 002's signup and signin answer bad input and wrong credentials alike with 401. */
async function asUnauthorized<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && (error.kind === 'validation' || error.kind === 'conflict' || error.kind === 'unauthorized')) {
      throw new DomainError('unauthorized', error.code, error.message, error.details);
    }
    throw error;
  }
}

/** The bytes of a `data:image/png;base64,...` URL (or of bare base64). */
function dataUrlBytes(value: string): Buffer {
  const match = /^(?:data:[\w/+.-]{1,100}(?:;[\w=.-]{1,100})*;base64,)?([A-Za-z0-9+/=\s]+)$/.exec(value);
  if (!match) throw validationError('invalid_image', 'avatar must be an image as a data URL', [{ field: 'avatar', message: 'must be an image as a data URL (data:image/png;base64,...)' }]);
  return Buffer.from(match[1]!, 'base64');
}
