import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, PASSWORD, uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, DialectSocket } from './helpers.js';

const APP_ORIGIN = 'http://app.example.test:3000';
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { COMPAT_DIALECTS: '004', CORS_ORIGINS: APP_ORIGIN } });
});
afterAll(async () => {
  await server?.close();
});

const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const NOT_AUTHENTICATED = { detail: 'Не удалось подтвердить учетные данные' };
const at = (path: string) => `/compat/004/api${path}`;

interface Person004 {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  /** The `Cookie` header the login's `Set-Cookie` makes. */
  cookie: string;
}

/** The `name=value` of a `Set-Cookie` answer, as a browser sends it back. */
function cookieOf(headers: Headers): string {
  const set = headers.getSetCookie().find((c) => c.startsWith('users_access_token='));
  expect(set, 'the token cookie is set').toBeDefined();
  return set!.split(';')[0]!;
}

async function register(): Promise<Person004> {
  const username = uniqueName('f');
  const person = { username, email: `${username}@ex.test`, password: PASSWORD };
  const res = await call(server, at('/auth/register'), { method: 'POST', json: person });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...person, id: res.body.new_user.id, token: res.body.token, cookie: cookieOf(res.headers) };
}

const asCookie = (person: Person004) => ({ cookie: person.cookie });
const asBearer = (person: Person004) => bearer(person.token);
const get = (path: string, headers: Record<string, string>) => call(server, at(path), { headers });
const send = (method: string, path: string, headers: Record<string, string>, json?: unknown) => call(server, at(path), { method, headers, json });

/** A multipart body, as a browser's FormData sends it. */
function formData(fields: Record<string, string>, files: Array<{ field: string; data: Buffer; name?: string }> = []): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.append(key, value);
  for (const file of files) data.append(file.field, new Blob([file.data], { type: 'image/png' }), file.name ?? 'photo.png');
  return data;
}

async function befriend(a: Person004, b: Person004) {
  expect((await send('POST', `/users/${a.id}/friends/add/${b.id}`, asBearer(a))).status).toBe(200);
  expect((await send('POST', `/users/${b.id}/friends/add/${a.id}`, asBearer(b))).status).toBe(200);
}

describe('004: register, log in and out', () => {
  it('registers as documented: 201, the message, the new user with a UUID, and the token in the answer and an HTTP-only cookie', async () => {
    const username = uniqueName('f');
    const res = await call(server, at('/auth/register'), { method: 'POST', json: { username, email: `${username}@ex.test`, password: PASSWORD } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      message: 'Вы успешно зарегистрировались!',
      new_user: { id: expect.stringMatching(UUID4), username, email: `${username}@ex.test`, avatar: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\/avatars\//) },
      id: res.body.new_user.id,
      token: expect.any(String),
    });
    const set = res.headers.getSetCookie().find((c) => c.startsWith('users_access_token='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    // The avatar URL is absolute and serves a picture.
    expect((await fetch(res.body.new_user.avatar)).headers.get('content-type')).toMatch(/^image\//);
    // One world: the account signs in on /api/v1.
    expect((await login(server, { username, password: PASSWORD })).accessToken).toEqual(expect.any(String));
  });

  it('knows the caller by the cookie or by the Bearer token, with the same UUID every time', async () => {
    const person = await register();
    const byCookie = await get('/auth/current_user', asCookie(person));
    expect(byCookie.status).toBe(200);
    expect(byCookie.body).toMatchObject({ id: person.id, username: person.username, email: person.email });
    expect((await get('/auth/current_user', asBearer(person))).body.id).toBe(person.id);
    const again = await call(server, at('/auth/login'), { method: 'POST', json: { email: person.email, password: PASSWORD } });
    expect(again.body.user.id).toBe(person.id);
  });

  it('logs in by e-mail: 200 with the user and token, 404 for an unknown address, 401 for a wrong password', async () => {
    const person = await register();
    const res = await call(server, at('/auth/login'), { method: 'POST', json: { email: person.email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ detail: 'Вы успешно вошли в аккаунт!', user: { id: person.id, username: person.username, email: person.email, avatar: expect.any(String) }, id: person.id, token: expect.any(String) });
    expect((await get('/auth/current_user', { cookie: cookieOf(res.headers) })).status).toBe(200);

    const unknown = await call(server, at('/auth/login'), { method: 'POST', json: { email: 'nobody-here@ex.test', password: PASSWORD } });
    expect(unknown).toMatchObject({ status: 404, body: { detail: 'Пользователь с таким именем не найден!' } });
    const wrong = await call(server, at('/auth/login'), { method: 'POST', json: { email: person.email, password: 'not-the-password-1' } });
    expect(wrong).toMatchObject({ status: 401, body: { detail: 'Проверьте введеные данные!' } });
  });

  it('answers a caller without valid credentials 401 with the document’s sentence', async () => {
    expect(await get('/auth/current_user', {})).toMatchObject({ status: 401, body: NOT_AUTHENTICATED });
    expect(await get('/auth/current_user', { cookie: 'users_access_token=forged.token.here' })).toMatchObject({ status: 401, body: NOT_AUTHENTICATED });
    expect(await get('/auth/current_user', bearer('nonsense'))).toMatchObject({ status: 401, body: NOT_AUTHENTICATED });
  });

  it('logs out with DELETE: the session ends, so neither the cookie nor the token works any more, and the cookie is cleared', async () => {
    const person = await register();
    const res = await send('DELETE', '/auth/logout', asCookie(person));
    expect(res).toMatchObject({ status: 200, body: { detail: 'Вы успешно вышли из аккаунта' } });
    expect(res.headers.getSetCookie().find((c) => c.startsWith('users_access_token='))).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/i);
    expect((await get('/auth/current_user', asCookie(person))).status).toBe(401);
    expect((await get('/auth/current_user', asBearer(person))).status).toBe(401);
    // Logging out again, signed out, still answers and clears the cookie.
    expect((await send('DELETE', '/auth/logout', {})).status).toBe(200);
  });

  it('answers invalid input with 422 and a detail that is a string', async () => {
    for (const json of [{}, { email: 'x@ex.test' }, { email: 12, password: PASSWORD }, { email: ['a'], password: PASSWORD }]) {
      const res = await call(server, at('/auth/login'), { method: 'POST', json });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(typeof res.body.detail).toBe('string');
    }
    const malformed = await call(server, at('/auth/register'), { method: 'POST', body: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(422);
    expect(typeof malformed.body.detail).toBe('string');
    const taken = await register();
    const again = await call(server, at('/auth/register'), { method: 'POST', json: { username: taken.username, email: 'other-address@ex.test', password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(typeof again.body.detail).toBe('string');
  });

  it('answers a credentialed page of an allowed origin with its exact origin and Allow-Credentials', async () => {
    const preflight = await server.request(at('/auth/login'), { method: 'OPTIONS', headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const person = await register();
    const res = await call(server, at('/auth/login'), { method: 'POST', json: { email: person.email, password: PASSWORD }, headers: { origin: APP_ORIGIN } });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    // The cookie works from that page, and from none of another site's.
    expect((await get('/auth/current_user', { ...asCookie(person), origin: APP_ORIGIN })).status).toBe(200);
    const foreign = await get('/auth/current_user', { ...asCookie(person), origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('004: UUIDs', () => {
  it('refuses UUIDs it did not make, and one kind’s UUID for another', async () => {
    const person = await register();
    for (const id of ['00000000-0000-4000-8000-000000000001', crypto.randomUUID(), '1', 'not-a-uuid', person.id.toUpperCase().replace(/.$/, (last) => (last === '0' ? '1' : '0'))]) {
      expect((await get(`/user/${id}`, asBearer(person))).status, id).toBe(404);
    }
    // The UUID of a user is no post.
    expect((await send('PATCH', `/posts/${person.id}/like`, asBearer(person))).status).toBe(404);
    // Upper case is the same UUID.
    expect((await get(`/user/${person.id.toUpperCase()}`, asBearer(person))).body.id).toBe(person.id);
  });
});

describe('004: posts', () => {
  it('creates a post with images as documented (POST /auth/create, multipart), answered with absolute image URLs', async () => {
    const author = await register();
    const res = await call(server, at('/auth/create'), {
      method: 'POST',
      headers: asCookie(author),
      body: formData({ author: author.id, description: 'Закат над рекой' }, [
        { field: 'images', data: blackPng(64, 48) },
        { field: 'images', data: blackPng(32, 32) },
      ]),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID4),
      author: { id: author.id, username: author.username, avatar: expect.stringMatching(/^http:/) },
      description: 'Закат над рекой',
      images: [expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//), expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//)],
      likes: [],
      likes_count: 0,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      views: 0,
    });
    for (const url of res.body.images) {
      const image = await fetch(url);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toMatch(/^image\//);
    }
    // It is the same post everywhere: the feed, the author's posts, both spellings.
    const other = await register();
    expect((await get('/posts/all', asBearer(other))).body.map((p: { id: string }) => p.id)).toContain(res.body.id);
    expect((await get(`/users/${author.id}/posts`, asBearer(other))).body.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
    expect((await get(`/user/posts?user_id=${author.id}`, asBearer(other))).body.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
    expect((await get('/user/posts', asBearer(author))).body.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
  });

  it('refuses a post in someone else’s name, and an empty one', async () => {
    const [author, other] = [await register(), await register()];
    const forged = await call(server, at('/posts/create'), { method: 'POST', headers: asBearer(author), body: formData({ author: other.id, description: 'not mine' }) });
    expect(forged.status).toBe(403);
    const empty = await call(server, at('/posts/create'), { method: 'POST', headers: asBearer(author), body: formData({ description: '   ' }) });
    expect(empty.status).toBe(422);
    expect(typeof empty.body.detail).toBe('string');
    expect((await get('/user/posts', asBearer(author))).body).toEqual([]);
  });

  it('toggles the caller’s like with PATCH, by either path, and never someone else’s', async () => {
    const [author, fan] = [await register(), await register()];
    const post = (await call(server, at('/posts/create'), { method: 'POST', headers: asBearer(author), body: formData({ description: 'like me' }) })).body;
    const liked = await send('PATCH', `/posts/${post.id}/like/${fan.id}`, asBearer(fan));
    expect(liked.status).toBe(200);
    expect(liked.body.likes).toEqual([{ id: fan.id, username: fan.username, email: fan.email, avatar: expect.any(String) }]);
    // The author sees the fan in the likes, without the fan's e-mail address.
    const seen = (await get(`/user/posts`, asBearer(author))).body[0];
    expect(seen.likes).toEqual([{ id: fan.id, username: fan.username, email: null, avatar: expect.any(String) }]);
    expect((await send('PATCH', `/posts/${post.id}/like`, asBearer(fan))).body.likes).toEqual([]);
    // Nobody likes in another's name.
    expect((await send('PATCH', `/posts/${post.id}/like/${fan.id}`, asBearer(author))).status).toBe(403);
    expect((await send('PATCH', `/posts/${post.id}/like/${fan.id}`, asBearer(fan))).body.likes_count).toBe(1);
  });

  it('deletes a post by its author only', async () => {
    const [author, other] = [await register(), await register()];
    const post = (await call(server, at('/posts/create'), { method: 'POST', headers: asBearer(author), body: formData({ description: 'brief' }) })).body;
    expect((await send('DELETE', `/posts/${post.id}`, asBearer(other))).status).toBe(403);
    expect((await send('DELETE', `/posts/${post.id}`, asBearer(author))).status).toBe(200);
    expect((await send('PATCH', `/posts/${post.id}/like`, asBearer(other))).status).toBe(404);
  });
});

describe('004: friends and people', () => {
  it('adds a friend when both add each other, and says so; checks and removes', async () => {
    const [a, b, c] = [await register(), await register(), await register()];
    const asked = await send('POST', `/users/${a.id}/friends/add/${b.id}`, asBearer(a));
    expect(asked.body).toEqual({ detail: `Пользователь ${a.username} отправил ${b.username} запрос в друзья`, status: 'pending' });
    expect((await get(`/users/${a.id}/friends/${b.id}`, asBearer(a))).body).toEqual({ user_is_friend: false });
    const added = await send('POST', `/users/${b.id}/friends/add/${a.id}`, asBearer(b));
    expect(added.body).toEqual({ detail: `Пользователь ${b.username} успешно добавил ${a.username} в друзья`, status: 'friends' });
    expect((await get(`/users/${a.id}/friends/${b.id}`, asBearer(a))).body).toEqual({ user_is_friend: true });
    expect((await get(`/users/${a.id}/friends/${b.id}`, asBearer(b))).body).toEqual({ user_is_friend: true });
    // A third person may not ask about two others, nor act in someone's name.
    expect((await get(`/users/${a.id}/friends/${b.id}`, asBearer(c))).status).toBe(403);
    expect((await send('POST', `/users/${a.id}/friends/add/${c.id}`, asBearer(c))).status).toBe(403);

    expect((await get('/users/friends/all', asBearer(a))).body).toEqual([{ id: b.id, username: b.username, email: null, avatar: expect.any(String) }]);
    // Someone else's friends: only those the caller shares with them (and the caller).
    const d = await register();
    await befriend(b, c);
    await befriend(b, d);
    expect((await get(`/user/friends/all?user_id=${b.id}`, asBearer(c))).body.map((f: { id: string }) => f.id)).toEqual([c.id]);
    await befriend(a, c);
    expect((await get(`/user/friends/all?user_id=${b.id}`, asBearer(c))).body.map((f: { id: string }) => f.id).sort()).toEqual([a.id, c.id].sort());
    expect((await get('/user/friends/all', asBearer(b))).body).toHaveLength(3);

    const removed = await send('POST', `/users/${a.id}/friends/remove/${b.id}`, asBearer(a));
    expect(removed.body).toEqual({ detail: `Пользователь ${a.username} успешно удалил ${b.username} из друзей` });
    expect((await get(`/users/${b.id}/friends/${a.id}`, asBearer(b))).body).toEqual({ user_is_friend: false });
  });

  it('finds people, shows a profile, and changes the caller’s name, description and picture with PUT /user/', async () => {
    const [me, other] = [await register(), await register()];
    const found = await get(`/user/search?username=${encodeURIComponent(other.username)}`, asBearer(me));
    expect(found.body).toContainEqual({ id: other.id, username: other.username, email: null, avatar: expect.any(String) });
    expect((await get(`/user/${other.id}`, asBearer(me))).body).toMatchObject({ id: other.id, username: other.username, description: '', is_friend: false });

    const before = (await get('/auth/current_user', asBearer(me))).body.avatar;
    const newName = uniqueName('g');
    const res = await call(server, at('/user/'), { method: 'PUT', headers: asBearer(me), body: formData({ username: newName, description: 'Люблю закаты' }, [{ field: 'avatar', data: blackPng(80, 80) }]) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: me.id, username: newName, email: me.email, description: 'Люблю закаты' });
    expect(res.body.avatar).not.toBe(before);
    expect((await fetch(res.body.avatar)).status).toBe(200);
    expect((await get(`/user/${me.id}`, asBearer(other))).body).toMatchObject({ username: newName, description: 'Люблю закаты', email: null });
  });

  it('refuses a query string with text no store keeps (NUL), as it refuses such a body', async () => {
    const me = await register();
    const res = await get('/user/search?username=a%00b', asBearer(me));
    expect(res.status).toBe(422);
    expect(typeof res.body.detail).toBe('string');
  });
});

describe('004: chats and their sockets', () => {
  async function directChat(a: Person004, b: Person004) {
    await befriend(a, b);
    const res = await send('POST', '/chats/create', asBearer(a), { users: [b.id] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; title: string; avatar: string; users: Array<{ id: string }> };
  }
  const socketPath = (chatId: string, clientId: string, token?: string) => at(`/chats/ws/${chatId}/${clientId}`) + (token ? `?token=${encodeURIComponent(token)}` : '');

  it('creates a chat and lists it as documented', async () => {
    const [a, b] = [await register(), await register()];
    const chat = await directChat(a, b);
    expect(chat).toEqual({ id: expect.stringMatching(UUID4), title: b.username, avatar: expect.stringMatching(/^http:/), users: expect.arrayContaining([expect.objectContaining({ id: a.id }), expect.objectContaining({ id: b.id })]) });
    expect(chat.users).toHaveLength(2);
    expect((await get(`/users/${b.id}/chats`, asBearer(b))).body).toEqual([expect.objectContaining({ id: chat.id, title: a.username })]);
    expect((await get('/user/chats', asBearer(a))).body.map((c: { id: string }) => c.id)).toEqual([chat.id]);
    expect((await get(`/users/${b.id}/chats`, asBearer(a))).status).toBe(403);
    // A group: a title, or more than one other person.
    const c = await register();
    await befriend(a, c);
    const group = await send('POST', '/chats/create', asBearer(a), { title: 'Поход', users: [b.id, c.id] });
    expect(group.body).toMatchObject({ title: 'Поход', avatar: null });
    expect(group.body.users).toHaveLength(3);
    // The document's empty body makes a chat of the caller alone.
    expect((await send('POST', '/chats/create', asBearer(a), {})).body).toMatchObject({ title: 'Новый чат', users: [expect.objectContaining({ id: a.id })] });
  });

  it('delivers what a member sends on the socket to every member’s socket, and keeps it in the history', async () => {
    const [a, b] = [await register(), await register()];
    const chat = await directChat(a, b);
    const sa = await DialectSocket.open(server, socketPath(chat.id, a.id), asCookie(a));
    const sb = await DialectSocket.open(server, socketPath(chat.id, b.id, b.token));
    sa.send('Привет!');
    const expected = { id: expect.any(Number), message: 'Привет!', created_at: expect.any(String), user: expect.objectContaining({ id: a.id, username: a.username, avatar: expect.stringMatching(/^http:/) }) };
    expect(await sb.next((f) => f.message === 'Привет!', 'b gets the message')).toEqual(expected);
    expect(await sa.next((f) => f.message === 'Привет!', 'a gets its own message')).toEqual(expected);
    sb.send(JSON.stringify({ message: 'И тебе' }));
    await sa.next((f) => f.message === 'И тебе', 'a gets the reply');
    // One world: a message sent on /api/v1 reaches the 004 sockets.
    const tokens = await login(server, b);
    const chatId = ((await (await server.request('/api/v1/chats', { headers: bearer(tokens.accessToken) })).json()) as { items: Array<{ id: number }> }).items[0]!.id;
    expect((await server.request(`/api/v1/chats/${chatId}/messages`, { method: 'POST', headers: bearer(tokens.accessToken), json: { text: 'from v1' } })).status).toBe(201);
    await sa.next((f) => f.message === 'from v1', 'a gets the /api/v1 message');

    const history = await get(`/chats/${chat.id}/messages/0`, asBearer(a));
    expect(history.body.map((m: { message: string }) => m.message)).toEqual(['Привет!', 'И тебе', 'from v1']);
    expect(history.body[0]).toEqual({ ...expected, user: { id: a.id, username: a.username, email: a.email, avatar: expect.any(String) } });
    await sa.close();
    await sb.close();
  });

  it('pages the history by offset, 50 at a time from the newest, each page in order', async () => {
    const [a, b] = [await register(), await register()];
    const chat = await directChat(a, b);
    const tokens = await login(server, a);
    const chatId = ((await (await server.request('/api/v1/chats', { headers: bearer(tokens.accessToken) })).json()) as { items: Array<{ id: number }> }).items[0]!.id;
    for (let i = 1; i <= 60; i++) {
      const sent = await server.request(`/api/v1/chats/${chatId}/messages`, { method: 'POST', headers: bearer(tokens.accessToken), json: { text: `m${i}` } });
      expect(sent.status).toBe(201);
    }
    const first = (await get(`/chats/${chat.id}/messages/0`, asBearer(b))).body.map((m: { message: string }) => m.message);
    expect(first).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 11}`));
    const second = (await get(`/chats/${chat.id}/messages/50`, asBearer(b))).body.map((m: { message: string }) => m.message);
    expect(second).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 1}`));
    expect((await get(`/chats/${chat.id}/messages/-1`, asBearer(b))).status).toBe(422);
    expect((await get(`/chats/${chat.id}/messages/0`, asBearer(await register()))).status).toBe(404);
  });

  it('never trusts the path’s client id: someone else’s is refused, as are outsiders and callers without credentials', async () => {
    const [a, b, outsider] = [await register(), await register(), await register()];
    const chat = await directChat(a, b);
    const impostor = await DialectSocket.open(server, socketPath(chat.id, b.id), asBearer(a));
    expect((await impostor.closed).code).toBe(4403);
    const stranger = await DialectSocket.open(server, socketPath(chat.id, outsider.id), asBearer(outsider));
    expect((await stranger.closed).code).toBe(4403);
    const anonymous = await DialectSocket.open(server, socketPath(chat.id, a.id));
    expect((await anonymous.closed).code).toBe(4401);
    const foreignPage = await DialectSocket.open(server, socketPath(chat.id, a.id), { ...asCookie(a), origin: 'https://evil.example' });
    expect((await foreignPage.closed).code).toBe(4403);
    // Nothing they tried reached the chat.
    expect((await get(`/chats/${chat.id}/messages/0`, asBearer(a))).body).toEqual([]);
  });

  it('ends a socket when its session logs out', async () => {
    const [a, b] = [await register(), await register()];
    const chat = await directChat(a, b);
    const socket = await DialectSocket.open(server, socketPath(chat.id, a.id), asBearer(a));
    expect((await send('DELETE', '/auth/logout', asBearer(a))).status).toBe(200);
    expect((await socket.closed).code).toBe(4401);
  });
});
