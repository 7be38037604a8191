import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { clientOf } from '../../http/auth/login-answer.js';
import { principalOf, sessionPrincipalOf } from '../../http/auth/authenticate.js';
import { limitPerClient } from '../../http/rate-limits.js';
import type { HttpServer } from '../../http/server.js';
import type { AccountService } from '../../services/auth/account-service.js';
import type { PasswordService } from '../../services/auth/password-service.js';
import type { SessionService } from '../../services/auth/session-service.js';
import type { MailedLoginCodes } from '../../services/auth/two-factor/mailed-login-codes.js';
import type { OAuthService } from '../../services/auth/oauth/oauth-service.js';
import type { AvatarService } from '../../services/avatar-service.js';
import type { ChatService } from '../../services/chats/chat-service.js';
import type { DirectInvitations } from '../../services/chats/direct-invitations.js';
import type { MessageService } from '../../services/chats/message-service.js';
import { DomainError, validationError } from '../../services/errors.js';
import type { ConnectionStatus } from '../../services/social/connection-status.js';
import type { SocialService } from '../../services/social/social-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import type { PublicUser } from '../../services/users/user.js';
import { Body, pathId } from '../body.js';
import { answer, type Dialect } from '../dialect.js';
import type { DjangoAuth } from '../django/auth.js';
import { withFieldNames } from '../django/errors.js';
import type { SessionTokens } from '../django/token-auth.js';
import type { DjangoTokens } from '../django/tokens.js';
import { dialectUrl } from '../django/urls.js';
import type { ChatRoomProtocol } from '../chat-room-socket.js';
import { avatarPath, message000, type People000 } from './views.js';

export interface Dialect000Deps {
  config: Config;
  auth: DjangoAuth;
  tokens: DjangoTokens;
  sessionTokens: SessionTokens;
  accounts: Pick<AccountService, 'register' | 'me'>;
  sessions: Pick<SessionService, 'logout'>;
  passwords: Pick<PasswordService, 'change' | 'replace'>;
  mailedCodes: MailedLoginCodes;
  profiles: Pick<ProfileService, 'update' | 'delete' | 'everyone' | 'byUsername' | 'byIds'>;
  avatars: Pick<AvatarService, 'set'>;
  social: Pick<SocialService, 'befriend' | 'unfriend' | 'block' | 'unblock' | 'friends'>;
  connections: Pick<ConnectionStatus, 'mark' | 'clear' | 'connectedAsSeenBy'>;
  chats: Pick<ChatService, 'get' | 'list'>;
  messages: Pick<MessageService, 'history'>;
  invitations: DirectInvitations;
  /** Finishes a sign-in with 42 (`oauth/authorize`). */
  oauth: Pick<OAuthService, 'exchange'>;
  people: People000;
  socket: ChatRoomProtocol;
}

/** The most people `users/user_list/` and `users/friend_list/` answer with. */
const LIST_LIMIT = 500;
/** The newest messages a conversation shows in `message_set`. */
const MESSAGE_SET_LIMIT = 100;

/**
 * 000 (Django + dj-rest-auth + Channels): every login needs an e-mailed code; JWT pairs plus a
 * DRF `Token`; friends; `is_connected`; one-to-one conversations with a socket each.
 */
export function dialect000(deps: Dialect000Deps): Dialect {
  const { config, auth, tokens, sessionTokens, accounts, profiles, social, connections, chats, people, invitations } = deps;
  const limits = config.rateLimits;
  const signedIn = { onRequest: auth.required };
  const me = (request: FastifyRequest) => principalOf(request).userId;
  /** A person named by username in the body, or 400 on the field. */
  const person = async (body: Body, field: string): Promise<PublicUser> => {
    const found = await profiles.byUsername(body.requiredText(field, { max: 150 }));
    if (!found) throw validationError('user_not_found', 'User not found.', [{ field, message: 'User not found.' }]);
    return found;
  };
  const userObject = async (viewerId: number, of: PublicUser) => (await people.show(viewerId, [of]))[0]!;
  /** A finished sign-in as 000 answers it (its login and its 42 sign-in alike); the person is connected from now on. */
  const signedIn000 = async (result: Parameters<DjangoTokens['pairOf']>[0]) => {
    const pair = tokens.pairOf(result);
    await connections.mark(pair.userId);
    return { access_token: pair.access, refresh_token: pair.refresh, token_auth: sessionTokens.issue(pair.sessionId) };
  };
  const self = async (userId: number) => {
    const found = (await profiles.byIds([userId])).get(userId);
    if (!found) throw validationError('user_not_found', 'User not found.');
    return found;
  };

  return {
    seed: '000',
    roots: ['auth', 'twofa', 'api/token', 'users', 'oauth', 'conversations', 'ws'],
    routes(scope: HttpServer) {
      // --- registration, login, tokens ------------------------------------------------------------
      scope.post('/auth/registration/', { config: limitPerClient(limits.register, 'register') }, async (request, reply) => {
        const body = await Body.read(request);
        const input = {
          username: body.requiredText('username', { max: 150 }),
          email: body.requiredText('email', { max: 254 }),
          password: body.requiredText('password1', { max: 1024 }),
          passwordConfirm: body.requiredText('password2', { max: 1024 }),
          firstName: body.text('nickname', { max: 100 }),
        };
        const user = await withFieldNames({ password: 'password1', passwordConfirm: 'password2', firstName: 'nickname' }, () => accounts.register(input));
        const avatar = body.files.get('avatar');
        if (avatar) await withFieldNames({ file: 'avatar' }, () => deps.avatars.set(user.id, avatar.data));
        return answer(reply, 201, { detail: 'User registered successfully. Please log in.' });
      });

      scope.post('/twofa/send-code/', { config: limitPerClient(limits.twoFactorSend, 'login-code') }, async (request, reply) => {
        const body = await Body.read(request);
        const username = body.requiredText('username', { max: 150 });
        const password = body.text('password', { max: 1024 });
        const email = body.text('email', { max: 254 });
        if (password === undefined && email === undefined) {
          throw validationError('validation_failed', 'Send the e-mail address or the password', [{ field: 'email', message: 'This field is required.' }]);
        }
        await deps.mailedCodes.send({ username, password, email });
        return answer(reply, 200, 'Email sent. Use the code sent in the login process');
      });

      scope.post('/auth/login/', { config: limitPerClient(limits.loginPerIp, 'login') }, async (request, reply) => {
        const body = await Body.read(request);
        const input = { username: body.requiredText('username', { max: 150 }), password: body.requiredText('password', { max: 1024 }), code: body.requiredText('code', { max: 16 }) };
        return answer(reply, 200, await signedIn000(await deps.mailedCodes.signIn(input, clientOf(request)).catch(unableToLogIn)));
      });

      scope.post('/auth/logout/', signedIn, async (request, reply) => {
        const principal = principalOf(request);
        await deps.sessions.logout(principal);
        await connections.clear(principal.userId);
        return answer(reply, 200, { detail: 'Successfully logged out.' });
      });

      // The refresh token comes in the document's `Bearer: Token <refresh>` header, as `Authorization: Bearer`, or as `{"refresh"}`.
      scope.post('/api/token/refresh/', async (request, reply) => {
        const body = await Body.read(request);
        const refresh = body.text('refresh', { max: 4096 }) ?? credentialOf(request.headers.bearer) ?? credentialOf(request.headers.authorization);
        if (!refresh) throw validationError('validation_failed', 'refresh is required', [{ field: 'refresh', message: 'This field is required.' }]);
        // A 401 here sends some clients into a refresh loop: a bad refresh token is a bad request.
        const pair = await tokens.rotate(refresh).catch((error: unknown) => {
          if (error instanceof DomainError && error.kind === 'unauthorized') throw validationError('invalid_refresh_token', 'Token is invalid or expired');
          throw error;
        });
        return answer(reply, 200, { access_token: pair.access, refresh_token: pair.refresh, access: pair.access });
      });

      // Sign-in with 42: sent through our OAuth start (state cookie, PKCE), whose callback sends the
      // browser back here with a one-time code, traded for the document's tokens.
      scope.get('/oauth/authorize', async (request, reply) => {
        const query = request.query as Record<string, unknown>;
        if (typeof query.error === 'string') return answer(reply, 400, { detail: `Sign-in with 42 failed: ${query.error.slice(0, 100)}` });
        if (typeof query.code !== 'string' || query.code === '') {
          const back = dialectUrl(request, config.oauth.publicUrl, scope.prefix, '/oauth/authorize');
          return reply.code(302).header('location', `/api/v1/auth/oauth/42?redirect=${encodeURIComponent(back)}`).send(null);
        }
        return answer(reply, 200, await signedIn000(await deps.oauth.exchange(query.code.slice(0, 512), { cookie: false, client: clientOf(request) })));
      });

      // --- the account ------------------------------------------------------------------------------
      scope.post('/auth/password/change/', signedIn, async (request, reply) => {
        const body = await Body.read(request);
        const next = body.requiredText('new_password1', { max: 1024 });
        const confirm = body.requiredText('new_password2', { max: 1024 });
        if (next !== confirm) throw validationError('validation_failed', 'The two password fields didn’t match.', [{ field: 'new_password2', message: 'The two password fields didn’t match.' }]);
        const old = body.text('old_password', { max: 1024 });
        const principal = sessionPrincipalOf(request);
        await withFieldNames({ currentPassword: 'old_password', newPassword: 'new_password1' }, () =>
          old === undefined ? deps.passwords.replace(principal, next) : deps.passwords.change(principal, old, next),
        );
        return answer(reply, 200, { detail: 'New password has been saved.' });
      });

      scope.get('/users/profile/', signedIn, async (request) => {
        const user = await accounts.me(me(request));
        const shown = await self(user.id);
        return { id: user.id, username: user.username, email: user.email, avatar: avatarPath(shown), nickname: user.firstName };
      });

      scope.post('/users/update/', signedIn, async (request) => {
        const body = await Body.read(request);
        const userId = me(request);
        const edit = { username: body.text('username', { max: 150 }), firstName: body.text('nickname', { max: 100 }) };
        await withFieldNames({ firstName: 'nickname' }, () => profiles.update(userId, edit));
        const avatar = body.files.get('avatar');
        if (avatar) await withFieldNames({ file: 'avatar' }, () => deps.avatars.set(userId, avatar.data));
        return userObject(userId, await self(userId));
      });

      scope.delete('/users/profile/delete/', signedIn, async (request, reply) => {
        const body = await Body.read(request);
        const password = body.text('password', { max: 1024 });
        sessionPrincipalOf(request);
        await withFieldNames({ currentPassword: 'password' }, () => profiles.delete(me(request), password));
        return answer(reply, 200, { detail: 'User deleted.' });
      });

      scope.post('/users/connect/', signedIn, async (request) => {
        await connections.mark(me(request));
        return { is_connected: true };
      });
      scope.post('/users/disconnect/', signedIn, async (request) => {
        await connections.clear(me(request));
        return { is_connected: false };
      });

      // --- people and friends -----------------------------------------------------------------------
      scope.get('/users/user_list/', signedIn, async (request) => {
        const userId = me(request);
        return people.show(userId, await profiles.everyone(userId, LIST_LIMIT));
      });

      scope.get('/users/friend_list/', signedIn, async (request) => {
        const userId = me(request);
        const friends = await social.friends(userId, { limit: LIST_LIMIT });
        return people.show(userId, friends.map((f) => f.person));
      });

      scope.post('/users/add_friend/', signedIn, async (request) => {
        const body = await Body.read(request);
        const other = await person(body, 'friend_username');
        const { status } = await social.befriend(me(request), other.id);
        const message = status === 'friends' ? `${other.username} added as friend.` : `Friend request sent to ${other.username}.`;
        return { success: true, message };
      });

      scope.post('/users/remove_friend/', signedIn, async (request) => {
        const body = await Body.read(request);
        const other = await person(body, 'friend_username');
        await social.unfriend(me(request), other.id);
        return { success: true, message: `${other.username} removed from friends.` };
      });

      scope.post('/users/block_user/', signedIn, async (request) => {
        const body = await Body.read(request);
        const other = await person(body, 'block_username');
        await social.block(me(request), other.id);
        return { success: true, message: `${other.username} blocked.` };
      });

      scope.post('/users/unblock_user/', signedIn, async (request) => {
        const body = await Body.read(request);
        const other = await person(body, 'block_username');
        await social.unblock(me(request), other.id);
        return { success: true, message: `${other.username} unblocked.` };
      });

      // --- conversations ----------------------------------------------------------------------------
      scope.post('/conversations/start/', signedIn, async (request, reply) => {
        const userId = me(request);
        const body = await Body.read(request);
        const username = body.text('username', { max: 150 });
        const refuse = (message: string) => answer(reply, 400, { message });
        const target = username === undefined ? undefined : await profiles.byUsername(username);
        if (!target) return refuse('User not found.');
        if (target.id === userId) return refuse('You cannot start a conversation with yourself.');
        if (!(await connections.connectedAsSeenBy(userId, [target.id])).has(target.id)) return refuse(`${target.username} is not connected.`);
        let started;
        try {
          started = await invitations.start(userId, target.id);
        } catch (error) {
          if (error instanceof DomainError && (error.code === 'blocked' || error.kind === 'forbidden')) return refuse(`You cannot start a conversation with ${target.username}.`);
          throw error;
        }
        const { id, initiator, receiver } = await people.conversation(userId, started.chat);
        return answer(reply, started.created ? 201 : 200, { conversation_id: id, initiator, receiver });
      });

      scope.get('/conversations/', signedIn, async (request) => {
        const userId = me(request);
        const direct = (await chats.list(userId, { limit: LIST_LIMIT })).filter((chat) => chat.kind === 'direct');
        return Promise.all(
          direct.map(async (chat) => ({ ...(await people.conversation(userId, chat)), last_message: chat.lastMessage ? message000(chat.lastMessage) : null })),
        );
      });

      scope.get<{ Params: { convoId: string } }>('/conversations/:convoId/', signedIn, async (request) => {
        const userId = me(request);
        const chatId = pathId(request.params.convoId);
        const chat = await chats.get(userId, chatId);
        const messages = await deps.messages.history(userId, chatId, { limit: MESSAGE_SET_LIMIT });
        await invitations.opened(userId, chatId);
        return { ...(await people.conversation(userId, chat)), message_set: messages.map(message000) };
      });

      scope.get('/conversations/check_invitation/', signedIn, async (request) => ({ chat_invitation: (await invitations.pending(me(request))) ?? 0 }));

      for (const [path, detail] of [
        ['/conversations/accept_invitation/', 'Invitation accepted.'],
        ['/conversations/decline_invitation/', 'Invitation declined.'],
      ] as const) {
        scope.post(path, signedIn, async (request) => {
          const body = await Body.read(request);
          await invitations.settle(me(request), body.requiredInteger('convoId'));
          return { detail };
        });
      }

      deps.socket.routes(scope);
    },
  };
}

/** The credential of a `Token <x>` or `Bearer <x>` header value (or the bare value). */
function credentialOf(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  const parts = header.trim().split(/\s+/);
  return parts.length === 1 ? parts[0] : parts.length === 2 && /^(token|bearer|jwt)$/i.test(parts[0]!) ? parts[1] : undefined;
}

/** dj-rest-auth's answer to wrong credentials. */
function unableToLogIn(error: unknown): never {
  if (error instanceof DomainError && error.code === 'invalid_credentials') {
    throw validationError('invalid_credentials', 'Unable to log in with provided credentials.', [{ field: 'non_field_errors', message: 'Unable to log in with provided credentials.' }]);
  }
  throw error;
}

