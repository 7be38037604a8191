import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Config } from '../../config.js';
import { principalOf, sessionPrincipalOf } from '../../http/auth/authenticate.js';
import { limitPerClient } from '../../http/rate-limits.js';
import type { HttpServer } from '../../http/server.js';
import { normalizeEmail } from '../../services/auth/account-rules.js';
import type { AccountService } from '../../services/auth/account-service.js';
import type { Principal } from '../../services/auth/context.js';
import type { PasswordService } from '../../services/auth/password-service.js';
import type { AvatarService } from '../../services/avatar-service.js';
import type { ChatService, ChatSummary } from '../../services/chats/chat-service.js';
import { MAX_TEXT_LENGTH, type MessageService, type MessageView } from '../../services/chats/message-service.js';
import { DomainError, forbidden, validationError } from '../../services/errors.js';
import type { UploadService } from '../../services/upload-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import type { AttachmentLinks } from '../../views/chats.js';
import { Body, pathId, type BodyFile } from '../body.js';
import { answer, type Dialect } from '../dialect.js';
import type { DjangoAuth } from '../django/auth.js';
import { withFieldNames } from '../django/errors.js';
import { noActiveAccount, type DjangoTokens } from '../django/tokens.js';
import { dialectUrl } from '../django/urls.js';
import * as input from './input.js';
import { chatJson, meJson, messageJson, profileJson, registeredJson } from './views.js';

export interface Dialect001Deps {
  config: Config;
  accounts: Pick<AccountService, 'register' | 'me'>;
  passwords: Pick<PasswordService, 'change' | 'forgot' | 'reset'>;
  profiles: Pick<ProfileService, 'update'>;
  avatars: Pick<AvatarService, 'set'>;
  chats: Pick<ChatService, 'createDirect' | 'createGroup' | 'listAll' | 'addMembers' | 'memberIds'>;
  messages: Pick<MessageService, 'send' | 'history'>;
  uploads: Pick<UploadService, 'create' | 'discard'>;
  links: AttachmentLinks;
  tokens: DjangoTokens;
  auth: DjangoAuth;
}

/** The most messages a poll of a chat's messages answers: the latest ones. */
const POLL_LIMIT = 1000;
// Bounds on what is read before the canonical rules look at it (those are tighter).
const TEXT_MAX = 1024;
const MESSAGE_MAX = MAX_TEXT_LENGTH * 2;

const notYou = () => forbidden('forbidden', 'You do not have permission to perform this action.');

/** The `<id>` of the path. */
const idOf = (request: FastifyRequest) => pathId((request.params as { id?: string }).id);

/** The caller, when the path's `<id>` names them; anyone else's id is 403 before anything is read. */
function callerNamed(request: FastifyRequest): Principal {
  const id = idOf(request);
  const principal = principalOf(request);
  if (id !== principal.userId) throw notYou();
  return principal;
}

/** Refused as an oversized multipart file is, whichever limit applies to this field. */
function checkSize(request: FastifyRequest, file: BodyFile, maxBytes: number): void {
  if (file.data.length > maxBytes) throw new request.server.multipartErrors.RequestFileTooLargeError();
}

/**
 * 001 (Django REST + SimpleJWT, a student messenger): JWT login with rotating refresh tokens,
 * registration, the profile and password by the caller's own id, chats (private or group) found
 * by name or member, messages with a photo or a file, sent and polled, and password reset by mail.
 */
export function dialect001(deps: Dialect001Deps): Dialect {
  const { config, accounts, passwords, profiles, avatars, chats, messages, uploads, links, tokens, auth } = deps;
  const limits = config.rateLimits;
  const maxMembers = config.chats.maxGroupMembers;
  const groupCreation = input.groupCreation(maxMembers);
  const memberAddition = input.memberAddition(maxMembers);
  const signedIn = { onRequest: auth.required };
  const absoluteFor = (request: FastifyRequest) => (path: string) => dialectUrl(request, config.oauth.publicUrl, '', path);

  /** `users` lists every member, also past the first 100 that a summary carries. */
  const chatView = async (userId: number, chat: ChatSummary) =>
    chatJson(chat, userId, chat.memberCount > chat.members.length ? await chats.memberIds(userId, chat.id) : chat.members.map((m) => m.userId));

  return {
    seed: '001',
    roots: ['auth', 'chat'],
    routes(scope: HttpServer) {
      /** The document writes these paths without a trailing slash, and Django clients add one. */
      const withAndWithoutSlash = (methods: HTTPMethods[], url: string, handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
        for (const path of [url, `${url}/`]) scope.route({ method: methods, url: path, ...signedIn, handler });
      };

      scope.post('/auth/login/', { config: limitPerClient(limits.loginPerIp, 'login') }, async (request, reply) => {
        const body = await Body.read(request);
        const username = body.requiredText('username', { max: TEXT_MAX });
        const password = body.requiredText('password', { max: TEXT_MAX });
        const pair = await tokens.login(request, username, password).catch(noActiveAccount);
        return answer(reply, 200, { refresh: pair.refresh, access: pair.access });
      });

      scope.post('/auth/login/refresh/', async (request, reply) => {
        const refresh = (await Body.read(request)).requiredText('refresh', { max: 4096 });
        const pair = await tokens.rotate(refresh);
        return answer(reply, 200, { access: pair.access, refresh: pair.refresh });
      });

      scope.post('/auth/register/', { config: limitPerClient(limits.register, 'register') }, async (request, reply) => {
        const body = await Body.read(request);
        const fields = {
          username: body.requiredText('username', { max: TEXT_MAX }),
          password: body.requiredText('password', { max: TEXT_MAX }),
          passwordConfirm: body.requiredText('password2', { max: TEXT_MAX }),
          email: body.requiredText('email', { max: TEXT_MAX }),
          firstName: body.text('first_name', { max: TEXT_MAX }),
          lastName: body.text('last_name', { max: TEXT_MAX }),
        };
        const user = await withFieldNames({ passwordConfirm: 'password2', firstName: 'first_name', lastName: 'last_name' }, () =>
          accounts.register(input.registration(fields)),
        );
        return answer(reply, 201, registeredJson(user));
      });

      scope.get('/auth/me/', signedIn, async (request, reply) => answer(reply, 200, meJson(await accounts.me(principalOf(request).userId), absoluteFor(request))));

      withAndWithoutSlash(['PUT', 'PATCH'], '/auth/change_password/:id', async (request, reply) => {
        callerNamed(request);
        const body = await Body.read(request);
        const fields = {
          currentPassword: body.requiredText('old_password', { max: TEXT_MAX }),
          newPassword: body.requiredText('password', { max: TEXT_MAX }),
          newPasswordConfirm: body.requiredText('password2', { max: TEXT_MAX }),
        };
        await withFieldNames({ currentPassword: 'old_password', newPassword: 'password', newPasswordConfirm: 'password2' }, async () => {
          const change = input.passwordChange(fields);
          await passwords.change(sessionPrincipalOf(request), change.currentPassword, change.newPassword, change.newPasswordConfirm);
        });
        // "Nothing if all ok": DRF's update of a serializer whose fields are all write-only.
        return answer(reply, 200, {});
      });

      withAndWithoutSlash(['PUT', 'PATCH'], '/auth/update_profile/:id', async (request, reply) => {
        const { userId } = callerNamed(request);
        const body = await Body.read(request);
        const picture = body.files.get('profile_picture');
        if (picture) checkSize(request, picture, config.avatars.maxBytes);
        const fields = {
          username: body.text('username', { max: TEXT_MAX }),
          firstName: body.text('first_name', { max: TEXT_MAX }),
          lastName: body.text('last_name', { max: TEXT_MAX }),
          email: body.text('email', { max: TEXT_MAX }),
          currentPassword: body.text('password', { max: TEXT_MAX }),
        };
        // A PUT carries the whole profile: the address the account already has is no change.
        if (fields.email !== undefined && normalizeEmail(fields.email) === (await accounts.me(userId)).email) fields.email = undefined;
        await withFieldNames({ firstName: 'first_name', lastName: 'last_name', currentPassword: 'password' }, async () => {
          const edit = input.profileEdit(fields);
          // The address is a credential (resets go there): only a session may change it, as on /api/v1.
          const principal = edit.email !== undefined ? sessionPrincipalOf(request) : principalOf(request);
          await profiles.update(principal.userId, edit).catch((error: unknown) => {
            throw fields.currentPassword === undefined ? passwordNeededForEmail(error) : error;
          });
        });
        if (picture) await withFieldNames({ file: 'profile_picture' }, () => avatars.set(userId, picture.data));
        return answer(reply, 200, profileJson(await accounts.me(userId), absoluteFor(request)));
      });

      scope.post('/auth/password_reset/', { config: limitPerClient(limits.passwordForgot, 'password-forgot') }, async (request, reply) => {
        const body = await Body.read(request);
        const { email } = input.passwordForgot({ email: body.requiredText('email', { max: TEXT_MAX }) });
        // The same answer whether or not the address has an account.
        await passwords.forgot(email);
        return answer(reply, 200, { status: 'OK' });
      });

      scope.post('/auth/password_reset/confirm/', { config: limitPerClient(limits.codeCheck, 'password-reset') }, async (request, reply) => {
        const body = await Body.read(request);
        const token = body.requiredText('token', { max: TEXT_MAX });
        const newPassword = body.requiredText('password', { max: TEXT_MAX });
        const email = body.text('email', { max: TEXT_MAX });
        // The mail carries a link (its `token`) and a 6-digit code, which needs the address beside it.
        const byCode = email !== undefined && /^\d{6}$/.test(token);
        await withFieldNames({ code: 'token', newPassword: 'password' }, () =>
          passwords.reset(input.passwordReset(byCode ? { email, code: token, newPassword } : { email, token, newPassword })),
        );
        return answer(reply, 200, { status: 'OK' });
      });

      scope.post('/chat/', signedIn, async (request, reply) => {
        const { userId } = principalOf(request);
        const body = await Body.read(request);
        const users = body.integers('users', { max: maxMembers }) ?? [];
        if (body.text('type', { max: TEXT_MAX }) === 'privat') {
          const others = [...new Set(users)].filter((id) => id !== userId);
          if (others.length > 1) {
            throw validationError('validation_failed', 'A private chat is with one other person', [{ field: 'users', message: 'A private chat is between you and one other person.' }]);
          }
          // Naming only oneself is refused by the service, as on /api/v1.
          const { chat, created } = await withFieldNames({ memberIds: 'users' }, () => chats.createDirect(userId, others[0] ?? userId));
          return answer(reply, created ? 201 : 200, await chatView(userId, chat));
        }
        const chat = await withFieldNames({ memberIds: 'users', userIds: 'users' }, () => {
          const group = groupCreation({ name: body.text('name', { max: TEXT_MAX }) ?? '', memberIds: users });
          return chats.createGroup(userId, group.name, group.memberIds);
        });
        return answer(reply, 201, await chatView(userId, chat));
      });

      scope.get('/chat/', signedIn, async (request, reply) => {
        const { userId } = principalOf(request);
        const query = Body.query(request);
        const { search, withMember } = await withFieldNames({ search: 'name', withMember: 'users' }, async () =>
          input.chatQuery({ search: query.text('name', { max: TEXT_MAX }) || undefined, withMember: query.integer('users') }),
        );
        const found = await chats.listAll(userId, { search, withMember }, Number.MAX_SAFE_INTEGER);
        return answer(reply, 200, await Promise.all(found.map((chat) => chatView(userId, chat))));
      });

      withAndWithoutSlash(['PATCH'], '/chat/:id', async (request, reply) => {
        const { userId } = principalOf(request);
        const chatId = idOf(request);
        const body = await Body.read(request);
        const users = body.integers('users', { max: maxMembers });
        if (users === undefined) throw validationError('validation_failed', 'users is required', [{ field: 'users', message: 'This field is required.' }]);
        const chat = await withFieldNames({ userIds: 'users' }, () => {
          const { userIds } = memberAddition({ userIds: users });
          return chats.addMembers(userId, chatId, userIds);
        });
        return answer(reply, 200, await chatView(userId, chat));
      });

      withAndWithoutSlash(['POST'], '/chat/messages/:id', async (request, reply) => {
        const { userId } = principalOf(request);
        const chatId = idOf(request);
        const body = await Body.read(request);
        const fromUser = body.integer('from_user');
        if (fromUser !== undefined && fromUser !== userId) throw notYou();
        const named = body.integer('chat_id');
        if (named !== undefined && named !== chatId) {
          throw validationError('validation_failed', 'chat_id is not the chat of the path', [{ field: 'chat_id', message: 'Does not match the chat in the path.' }]);
        }
        const { text } = input.messageInput({ text: body.text('text', { max: MESSAGE_MAX }) });
        const files = (['photo', 'file'] as const).flatMap((field) => {
          const file = body.files.get(field);
          return file ? [{ field, file }] : [];
        });
        for (const { file } of files) checkSize(request, file, config.uploads.maxBytes);

        const attachmentIds: number[] = [];
        let message: MessageView;
        try {
          for (const { field, file } of files) attachmentIds.push((await withFieldNames({ file: field }, () => uploads.create(userId, file))).id);
          ({ message } = await messages.send(userId, chatId, { text, attachmentIds }));
        } catch (error) {
          // Sent in one request, the files go with a message that was not sent.
          await uploads.discard(userId, attachmentIds);
          throw error;
        }
        return answer(reply, 201, messageJson(message, links, absoluteFor(request)));
      });

      // For clients that poll (every second, in the document): the latest messages, oldest first, as
      // its list view gave them. One bounded read, however long the chat: a poll must stay cheap.
      withAndWithoutSlash(['GET'], '/chat/messages/:id', async (request, reply) => {
        const { userId } = principalOf(request);
        const chatId = idOf(request);
        const latest = await messages.history(userId, chatId, { limit: POLL_LIMIT });
        const absolute = absoluteFor(request);
        return answer(reply, 200, latest.reverse().filter((m) => m.deletedAt === null).map((m) => messageJson(m, links, absolute)));
      });
    },
  };
}

/** The service asks for the current password to change the address; the document has no field for it but `email`. */
function passwordNeededForEmail(error: unknown): unknown {
  if (!(error instanceof DomainError) || !error.details.fields?.some((f) => f.field === 'currentPassword')) return error;
  return validationError(error.code, 'Changing the e-mail address needs the current password in `password`', [
    { field: 'email', message: 'Send the current password in `password` to change the e-mail address.' },
  ]);
}
