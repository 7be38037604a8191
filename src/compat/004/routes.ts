import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { principalOf } from '../../http/auth/authenticate.js';
import { clientOf } from '../../http/auth/login-answer.js';
import { publicBase } from '../../http/public-url.js';
import { limitPerClient } from '../../http/rate-limits.js';
import type { HttpServer } from '../../http/server.js';
import type { AccountService } from '../../services/auth/account-service.js';
import type { LoginChallenge, LoginResult, SessionService } from '../../services/auth/session-service.js';
import type { AvatarService } from '../../services/avatar-service.js';
import type { ChatService } from '../../services/chats/chat-service.js';
import type { MessageService } from '../../services/chats/message-service.js';
import { DomainError, forbidden, notFound, validationError } from '../../services/errors.js';
import type { Post } from '../../services/posts/ports.js';
import { POST_IMAGES_MAX, POST_TEXT_MAX, type PostService } from '../../services/posts/post-service.js';
import type { SocialService } from '../../services/social/social-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import type { PostImageLinks } from '../../views/posts.js';
import { Body, type BodyFile } from '../body.js';
import type { ChatRoomProtocol } from '../chat-room-socket.js';
import { answer, type Dialect } from '../dialect.js';
import type { DjangoTokens } from '../django/tokens.js';
import type { Auth004 } from './auth.js';
import { errors004 } from './errors.js';
import type { IdKind, PublicIds } from './public-ids.js';
import { Views004, type Person } from './views.js';

export interface Dialect004Deps {
  config: Config;
  accounts: Pick<AccountService, 'register' | 'availability' | 'me'>;
  sessions: Pick<SessionService, 'login' | 'logout'>;
  profiles: Pick<ProfileService, 'update' | 'byIds' | 'search' | 'profile'>;
  avatars: Pick<AvatarService, 'set'>;
  social: Pick<SocialService, 'befriend' | 'unfriend' | 'friends' | 'status' | 'friendsSeenBy'>;
  posts: Pick<PostService<unknown>, 'create' | 'get' | 'feed' | 'byAuthor' | 'like' | 'unlike' | 'likers' | 'delete'>;
  postLinks: PostImageLinks;
  chats: Pick<ChatService, 'createDirect' | 'createGroup' | 'listAll'>;
  messages: Pick<MessageService, 'history'>;
  /** Opens sessions and writes their JWT (an access token that lives as long as the session). */
  tokens: DjangoTokens;
  auth: Auth004;
  ids: PublicIds;
  socket: ChatRoomProtocol;
}

// Bounds on what is read before the canonical rules look at it (those are tighter).
const TEXT_MAX = 1024;
/** Messages per page of a chat's history, as the document's client pages them. */
const MESSAGES_PAGE = 50;
/** The most posts a list answers with (the newest), and likers shown on each. */
const POSTS_MAX = 100;
const LIKERS_SHOWN = 100;
/** The most chats, friends and search results a list answers with. */
const LIST_MAX = 500;
/** A group made without a title is called this. */
const UNTITLED_GROUP = 'Новый чат';

/** The document's sentences, and its words for our commonest refusals. */
const SAID = {
  registered: 'Вы успешно зарегистрировались!',
  loggedIn: 'Вы успешно вошли в аккаунт!',
  loggedOut: 'Вы успешно вышли из аккаунта',
  noSuchAccount: 'Пользователь с таким именем не найден!',
  wrongCredentials: 'Проверьте введеные данные!',
  notYours: 'Недостаточно прав',
  noSuchUser: 'Пользователь не найден',
  noSuchPost: 'Пост не найден',
  noSuchChat: 'Чат не найден',
  postDeleted: 'Пост успешно удален',
  added: (user: string, friend: string) => `Пользователь ${user} успешно добавил ${friend} в друзья`,
  requested: (user: string, friend: string) => `Пользователь ${user} отправил ${friend} запрос в друзья`,
  removed: (user: string, friend: string) => `Пользователь ${user} успешно удалил ${friend} из друзей`,
};

const notYours = () => forbidden('forbidden', SAID.notYours);
const NOT_FOUND: Record<IdKind, () => DomainError> = {
  user: () => notFound('user_not_found', SAID.noSuchUser),
  chat: () => notFound('chat_not_found', SAID.noSuchChat),
  post: () => notFound('post_not_found', SAID.noSuchPost),
};

/**
 * 004 (FastAPI, a social network): register and log in by e-mail with the JWT in an HTTP-only
 * cookie (or as a Bearer token), posts with images and likes, chats with a WebSocket each, friends.
 * Ids are UUIDs (public-ids.ts); every error is `{"detail": "<text>"}`.
 */
export function dialect004(deps: Dialect004Deps): Dialect {
  const { config, accounts, sessions, profiles, social, posts, chats, messages, tokens, auth, ids } = deps;
  const limits = config.rateLimits;
  const signedIn = { onRequest: auth.required };
  const me = (request: FastifyRequest) => principalOf(request).userId;

  /** The views for this request: absolute URLs on the API's origin; the caller's own e-mail shown to them. */
  const viewsFor = async (request: FastifyRequest, viewerId = request.principal?.userId): Promise<Views004> => {
    const base = publicBase(request, config.oauth.publicUrl);
    const absolute = (path: string) => `${base}${path}`;
    if (viewerId === undefined) return new Views004(ids, absolute);
    const user = await accounts.me(viewerId);
    return new Views004(ids, absolute, { id: user.id, email: user.email });
  };

  /** The id a path or field's UUID names; 404 for anything else. */
  const idIn = (kind: IdKind, value: unknown): number => {
    const id = ids.idOf(kind, value);
    if (id === undefined) throw NOT_FOUND[kind]();
    return id;
  };
  const param = (request: FastifyRequest, name: string) => (request.params as Record<string, unknown>)[name];
  /** The caller, when the path's user is them; anyone else's is refused before anything is read. */
  const callerNamed = (request: FastifyRequest, name = 'userId'): number => {
    if (idIn('user', param(request, name)) !== me(request)) throw notYours();
    return me(request);
  };
  const person = async (id: number): Promise<Person> => {
    const found = (await profiles.byIds([id])).get(id);
    if (!found) throw NOT_FOUND.user();
    return found;
  };

  /** A session just opened: its token in the cookie and in the answer, with the user. */
  const signedInAnswer = async (request: FastifyRequest, reply: FastifyReply, result: LoginResult | LoginChallenge) => {
    const { access, userId } = tokens.pairOf(result);
    auth.setCookie(request, reply, access);
    const views = await viewsFor(request, userId);
    return { user: views.user(await person(userId)), id: ids.uuid('user', userId), token: access };
  };

  const postsJson = async (viewerId: number, views: Views004, items: Post[]) => {
    const likers = await Promise.all(items.map(async (post) => (post.likeCount === 0 ? [] : posts.likers(viewerId, post.id, LIKERS_SHOWN))));
    return items.map((post, i) => views.post(post, (likers[i] ?? []).map((liker) => liker.user), deps.postLinks));
  };
  const postJson = async (request: FastifyRequest, post: Post) => (await postsJson(me(request), await viewsFor(request), [post]))[0];

  /** Someone's friends as the caller may know them: all of their own, of someone else's those they share. */
  const friendsOf = async (request: FastifyRequest, userId: number) => {
    const views = await viewsFor(request);
    const viewer = me(request);
    if (userId === viewer) return (await social.friends(viewer, { limit: LIST_MAX })).map(({ person: friend }) => views.user(friend));
    await person(userId);
    const shared = (await social.friendsSeenBy(viewer, [userId])).get(userId) ?? [];
    const found = await profiles.byIds(shared.slice(0, LIST_MAX).map((f) => f.id));
    return [...found.values()].map((friend) => views.user(friend));
  };

  const postsBy = async (request: FastifyRequest, authorId: number) => {
    const items = await posts.byAuthor(me(request), authorId, POSTS_MAX);
    return postsJson(me(request), await viewsFor(request), items);
  };

  const chatsJson = async (request: FastifyRequest) => {
    const views = await viewsFor(request);
    return (await chats.listAll(me(request), {}, LIST_MAX)).map((chat) => views.chat(chat));
  };

  const createPost = async (request: FastifyRequest, reply: FastifyReply) => {
    const body = await Body.read(request);
    const author = body.text('author', { max: 64 });
    if (author !== undefined && author !== '' && ids.idOf('user', author) !== me(request)) throw notYours();
    const images: BodyFile[] = [...body.filesNamed('images'), ...body.filesNamed('images[]')];
    if (images.length > POST_IMAGES_MAX) throw validationError('too_many_images', `A post has at most ${POST_IMAGES_MAX} images`, [{ field: 'images', message: `at most ${POST_IMAGES_MAX}` }]);
    const post = await posts.create(me(request), { text: body.text('description', { max: POST_TEXT_MAX * 4 }) ?? '', images: images.map((file) => ({ data: file.data })) });
    return answer(reply, 201, await postJson(request, post));
  };

  /** Likes the post, or takes the caller's like back. */
  const toggleLike = async (request: FastifyRequest, reply: FastifyReply) => {
    if (param(request, 'userId') !== undefined) callerNamed(request);
    const postId = idIn('post', param(request, 'postId'));
    const post = await posts.get(me(request), postId);
    const changed = post.likedByMe ? await posts.unlike(me(request), postId) : await posts.like(me(request), postId);
    return answer(reply, 200, await postJson(request, changed));
  };

  const friendship = async (request: FastifyRequest, change: 'add' | 'remove') => {
    const userId = callerNamed(request);
    const friendId = idIn('user', param(request, 'friendId'));
    const [user, friend] = await Promise.all([person(userId), person(friendId)]);
    if (change === 'remove') {
      await social.unfriend(userId, friendId);
      return { detail: SAID.removed(user.username, friend.username) };
    }
    const { status } = await social.befriend(userId, friendId);
    // Friends are made by both sides here: the first "add" asks, the other's "add" accepts.
    return status === 'friends' ? { detail: SAID.added(user.username, friend.username), status: 'friends' } : { detail: SAID.requested(user.username, friend.username), status: 'pending' };
  };

  return {
    seed: '004',
    roots: ['api/auth', 'api/posts', 'api/chats', 'api/users', 'api/user'],
    errors: errors004,
    routes(scope: HttpServer) {
      // --- signing up, in and out --------------------------------------------------------------------
      scope.post('/api/auth/register', { config: limitPerClient(limits.register, 'register') }, async (request, reply) => {
        const body = await Body.read(request);
        const given = {
          username: body.requiredText('username', { max: TEXT_MAX }),
          email: body.requiredText('email', { max: TEXT_MAX }),
          password: body.requiredText('password', { max: TEXT_MAX }),
        };
        const user = await accounts.register(given);
        const result = await sessions.login({ login: given.username, password: given.password, cookie: false }, clientOf(request)).catch((error: unknown) => {
          // With REQUIRE_EMAIL_VERIFICATION on, the session waits for the mailed link.
          if (error instanceof DomainError && error.code === 'email_not_verified') return undefined;
          throw error;
        });
        if (!result) {
          const views = await viewsFor(request);
          return answer(reply, 201, { message: SAID.registered, new_user: views.user(user), id: ids.uuid('user', user.id), token: null });
        }
        const session = await signedInAnswer(request, reply, result);
        return answer(reply, 201, { message: SAID.registered, new_user: session.user, id: session.id, token: session.token });
      });

      scope.post('/api/auth/login', { config: limitPerClient(limits.loginPerIp, 'login') }, async (request, reply) => {
        const body = await Body.read(request);
        const email = body.requiredText('email', { max: 254 });
        const password = body.requiredText('password', { max: TEXT_MAX });
        const result = await sessions.login({ login: email, password, cookie: false }, clientOf(request)).catch(async (error: unknown) => {
          if (!(error instanceof DomainError) || error.code !== 'invalid_credentials') throw error;
          // The document tells an unknown address (404) from a wrong password (401).
          const field = email.includes('@') ? 'email' : 'username';
          const known = (await accounts.availability({ [field]: email }))[field];
          if (known?.reason === 'taken') throw new DomainError('unauthorized', 'invalid_credentials', SAID.wrongCredentials);
          throw notFound('user_not_found', SAID.noSuchAccount);
        });
        const session = await signedInAnswer(request, reply, result);
        return answer(reply, 200, { detail: SAID.loggedIn, ...session });
      });

      scope.get('/api/auth/current_user', signedIn, async (request) => (await viewsFor(request)).user(await person(me(request))));

      // Ends the session the cookie or token names (if any), and clears the cookie either way.
      scope.delete('/api/auth/logout', async (request, reply) => {
        const principal = await auth.identify(request).catch(() => undefined);
        if (principal?.sessionId !== undefined) await sessions.logout(principal);
        auth.clearCookie(reply);
        return answer(reply, 200, { detail: SAID.loggedOut });
      });

      // --- posts -------------------------------------------------------------------------------------
      scope.post('/api/auth/create', signedIn, createPost);
      scope.post('/api/posts/create', signedIn, createPost);
      scope.get('/api/posts/all', signedIn, async (request) => postsJson(me(request), await viewsFor(request), await posts.feed(me(request), 'latest', POSTS_MAX)));
      scope.get('/api/posts/:postId', signedIn, async (request) => postJson(request, await posts.get(me(request), idIn('post', param(request, 'postId')))));
      scope.patch('/api/posts/:postId/like/:userId', signedIn, toggleLike);
      scope.patch('/api/posts/:postId/like', signedIn, toggleLike);
      scope.delete('/api/posts/:postId', signedIn, async (request) => {
        await posts.delete(me(request), idIn('post', param(request, 'postId')));
        return { detail: SAID.postDeleted };
      });

      // --- chats -------------------------------------------------------------------------------------
      // `{}` in the document; also `users` (UUIDs) and `title`. One other person and no title is a direct chat.
      scope.post('/api/chats/create', signedIn, async (request, reply) => {
        const body = await Body.read(request);
        const named = [...(body.texts('users', { max: config.chats.maxGroupMembers, maxLength: 64 }) ?? []), ...(body.texts('user_id', { max: 1, maxLength: 64 }) ?? [])];
        const others = [...new Set(named.map((uuid) => idIn('user', uuid)))].filter((id) => id !== me(request));
        const title = body.text('title', { max: TEXT_MAX })?.trim();
        const views = await viewsFor(request);
        if (others.length === 1 && !title) {
          const { chat, created } = await chats.createDirect(me(request), others[0] as number);
          return answer(reply, created ? 201 : 200, views.chat(chat));
        }
        return answer(reply, 201, views.chat(await chats.createGroup(me(request), title || UNTITLED_GROUP, others)));
      });

      // Page `offset / 50` counted from the newest message; each page oldest first, as a chat shows it.
      scope.get('/api/chats/:chatId/messages/:offset', signedIn, async (request) => {
        const chatId = idIn('chat', param(request, 'chatId'));
        const raw = param(request, 'offset');
        const offset = typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : undefined;
        if (offset === undefined) throw validationError('validation_failed', 'offset must be a whole number', [{ field: 'offset', message: 'must be a whole number from 0' }]);
        const page = (await messages.history(me(request), chatId, { offset, limit: MESSAGES_PAGE })).reverse();
        const senders = await profiles.byIds([...new Set(page.flatMap((m) => (m.senderId === null ? [] : [m.senderId])))]);
        const views = await viewsFor(request);
        return page.map((message) => views.message(message, message.senderId === null ? undefined : senders.get(message.senderId)));
      });

      deps.socket.routes(scope);

      // --- people, by the caller's own id (`/users/...`) and as its clients ask (`/user/...`) ---------
      scope.get('/api/users/friends/all', signedIn, async (request) => friendsOf(request, me(request)));
      scope.get('/api/users/:userId/chats', signedIn, async (request) => {
        callerNamed(request);
        return chatsJson(request);
      });
      scope.get('/api/users/:userId/posts', signedIn, async (request) => postsBy(request, idIn('user', param(request, 'userId'))));
      // Whether two people are friends: asked by one of them only.
      scope.get('/api/users/:userId/friends/:friendId', signedIn, async (request) => {
        const [userId, friendId] = [idIn('user', param(request, 'userId')), idIn('user', param(request, 'friendId'))];
        if (userId !== me(request) && friendId !== me(request)) throw notYours();
        const other = userId === me(request) ? friendId : userId;
        return { user_is_friend: other !== me(request) && (await social.status(me(request), other)) === 'friends' };
      });
      scope.post('/api/users/:userId/friends/add/:friendId', signedIn, async (request) => friendship(request, 'add'));
      scope.post('/api/users/:userId/friends/remove/:friendId', signedIn, async (request) => friendship(request, 'remove'));

      const query = (request: FastifyRequest) => Body.query(request);
      scope.get('/api/user/chats', signedIn, chatsJson);
      scope.get('/api/user/posts', signedIn, async (request) => {
        const uuid = query(request).text('user_id', { max: 64 });
        return postsBy(request, uuid ? idIn('user', uuid) : me(request));
      });
      scope.get('/api/user/friends/all', signedIn, async (request) => {
        const uuid = query(request).text('user_id', { max: 64 });
        return friendsOf(request, uuid ? idIn('user', uuid) : me(request));
      });
      scope.get('/api/user/search', signedIn, async (request) => {
        const name = query(request).text('username', { max: 100 })?.trim() ?? '';
        if (name === '') return [];
        const views = await viewsFor(request);
        return (await profiles.search(me(request), name, { limit: 50 })).map(({ person: found }) => views.user(found));
      });
      scope.get('/api/user/:id', signedIn, async (request) => {
        const { person: found, friendship: status } = await profiles.profile(me(request), idIn('user', param(request, 'id')));
        return { ...(await viewsFor(request)).profile(found), is_friend: status === 'friends' };
      });
      // The caller's name, description and picture, as a multipart form.
      const updateMe = async (request: FastifyRequest) => {
        const body = await Body.read(request);
        const username = body.text('username', { max: TEXT_MAX })?.trim() || undefined;
        const bio = body.text('description', { max: TEXT_MAX * 4 });
        const avatar = body.files.get('avatar');
        if (username !== undefined || bio !== undefined) await profiles.update(me(request), { username, bio });
        if (avatar) await deps.avatars.set(me(request), avatar.data);
        return (await viewsFor(request)).profile(await person(me(request)));
      };
      scope.put('/api/user/', signedIn, updateMe);
      scope.put('/api/user', signedIn, updateMe);
    },
  };
}
