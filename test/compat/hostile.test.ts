import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { jsonValue, objectWith, pathSegment, rawBodies, serialize } from '../fuzz/arbitraries.js';
import { call, DialectSocket, logIn000 } from './helpers.js';

/**
 * Random and adversarial bodies, ids and frames thrown at every dialect route: each answer must be
 * a 2xx–4xx JSON answer, and the server must stay up. FUZZ_SECONDS and FUZZ_SEED as in test/fuzz.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 6);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const budget = { numRuns: 1_000_000, ...(seed === undefined ? {} : { seed }), plugins: [fc.interruptAfterTimeLimit(SECONDS * 1000)] };

interface DialectRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `{id}` marks a path id. */
  path: string;
  fields: string[];
}

/** Every dialect route that takes input, with the fields its document names (logout and deletion left out: they end the session under test). */
const routes: DialectRoute[] = [
  ...(
    [
      ['POST', '/auth/registration/', ['username', 'email', 'password1', 'password2', 'nickname']],
      ['POST', '/twofa/send-code/', ['username', 'email', 'password']],
      ['POST', '/auth/login/', ['username', 'code', 'password']],
      ['POST', '/api/token/refresh/', ['refresh']],
      ['POST', '/auth/password/change/', ['new_password1', 'new_password2', 'old_password']],
      ['POST', '/users/update/', ['username', 'nickname', 'avatar']],
      ['POST', '/users/add_friend/', ['friend_username']],
      ['POST', '/users/remove_friend/', ['friend_username']],
      ['POST', '/users/block_user/', ['block_username']],
      ['POST', '/users/unblock_user/', ['block_username']],
      ['POST', '/conversations/start/', ['username']],
      ['GET', '/conversations/{id}/', []],
      ['POST', '/conversations/accept_invitation/', ['convoId']],
      ['POST', '/conversations/decline_invitation/', ['convoId']],
      ['GET', '/oauth/authorize', []],
    ] as const
  ).map(([method, path, fields]) => ({ method, path: `/compat/000${path}`, fields: [...fields] })),
  ...(
    [
      ['POST', '/auth/login/', ['username', 'password']],
      ['POST', '/auth/login/refresh/', ['refresh']],
      ['POST', '/auth/register/', ['username', 'password', 'password2', 'email', 'first_name', 'last_name']],
      ['PUT', '/auth/change_password/{id}', ['password', 'password2', 'old_password']],
      ['PUT', '/auth/update_profile/{id}', ['username', 'first_name', 'last_name', 'email', 'password']],
      ['POST', '/auth/password_reset/', ['email']],
      ['POST', '/auth/password_reset/confirm/', ['token', 'password', 'email']],
      ['POST', '/chat/', ['name', 'users', 'type']],
      ['GET', '/chat/?name={id}', []],
      ['GET', '/chat/?users={id}', []],
      ['PATCH', '/chat/{id}', ['users']],
      ['POST', '/chat/messages/{id}', ['chat_id', 'from_user', 'text']],
      ['GET', '/chat/messages/{id}', []],
    ] as const
  ).map(([method, path, fields]) => ({ method, path: `/compat/001${path}`, fields: [...fields] })),
  ...(
    [
      ['POST', '/api/register/', ['email', 'password', 'username']],
      ['POST', '/api/token/', ['email', 'username', 'password']],
      ['POST', '/api/token/refresh/', ['refresh']],
      ['GET', '/api/confirm-email/{id}/', []],
    ] as const
  ).map(([method, path, fields]) => ({ method, path: `/compat/003${path}`, fields: [...fields] })),
  ...(
    [
      ['POST', '/user/signup/', ['username', 'email', 'password']],
      ['POST', '/user/signin/', ['username', 'login', 'password', '2fa_code']],
      ['POST', '/user/refresh-access-jwt/', ['refresh_token']],
      ['POST', '/user/username-exist/', ['username']],
      ['POST', '/user/email-exist/', ['email']],
      ['POST', '/user/forgot-password/send-code/', ['email']],
      ['POST', '/user/forgot-password/check-code/', ['email', 'code']],
      ['POST', '/user/forgot-password/change-password/', ['email', 'code', 'new_password']],
      ['GET', '/user/{id}/', []],
      ['GET', '/user/id/{id}/', []],
      ['POST', '/user/id-list/', ['id_list']],
      ['POST', '/user/search-username/', ['username']],
      // No `password`: a password changed here would end the 000 session the socket test uses.
      ['POST', '/user/update-infos/', ['access_token', 'change_list', 'username', 'email']],
      ['POST', '/user/2fa/enable', ['password']],
      ['POST', '/user/2fa/verify', ['code']],
      ['POST', '/user/2fa/disable', ['password', 'code']],
      ['POST', '/user/friends/request/', ['friend_id']],
      ['POST', '/user/friends/accept/', ['friend_id']],
      ['POST', '/user/friends/decline/', ['friend_id']],
      ['DELETE', '/user/friends/?friend_id={id}', []],
      ['GET', '/user/avatar/{id}/', []],
      ['POST', '/user/avatar/', ['avatar']],
      ['POST', '/user/verify-email/{id}/{id}/', []],
      ['GET', '/user/oauth/{id}/?source={id}', []],
      ['GET', '/user/oauth/callback/github/?code={id}&state={id}', []],
    ] as const
  ).map(([method, path, fields]) => ({ method, path: `/compat/002${path}`, fields: [...fields] })),
  ...(
    [
      ['POST', '/auth/register', ['username', 'email', 'password']],
      ['POST', '/auth/login', ['email', 'password']],
      ['GET', '/auth/current_user', []],
      ['POST', '/auth/create', ['author', 'description', 'images']],
      ['POST', '/posts/create', ['author', 'description', 'images']],
      ['GET', '/posts/all', []],
      ['GET', '/posts/{id}', []],
      ['PATCH', '/posts/{id}/like/{id}', []],
      ['PATCH', '/posts/{id}/like', []],
      ['DELETE', '/posts/{id}', []],
      ['POST', '/chats/create', ['users', 'user_id', 'title']],
      ['GET', '/chats/{id}/messages/{id}', []],
      ['GET', '/users/{id}/chats', []],
      ['GET', '/users/{id}/posts', []],
      ['GET', '/users/friends/all', []],
      ['GET', '/users/{id}/friends/{id}', []],
      ['POST', '/users/{id}/friends/add/{id}', []],
      ['POST', '/users/{id}/friends/remove/{id}', []],
      ['GET', '/user/chats', []],
      ['GET', '/user/posts?user_id={id}', []],
      ['GET', '/user/friends/all?user_id={id}', []],
      ['GET', '/user/search?username={id}', []],
      ['GET', '/user/{id}', []],
      ['PUT', '/user/', ['username', 'description', 'avatar']],
    ] as const
  ).map(([method, path, fields]) => ({ method, path: `/compat/004/api${path}`, fields: [...fields] })),
];

let mail: MailCatcher;
let server: TestServer;
let token: string;
/** The same person's canonical access token, which every Django dialect takes as a Bearer. */
let accessToken: string;
let chatId: number;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, RATE_LIMIT_ENABLED: 'false', WS_RATE_LIMIT: '100000/10s' } });
  const username = uniqueName('h');
  const email = `${username}@example.test`;
  await call(server, '/compat/000/auth/registration/', { method: 'POST', json: { username, email, password1: PASSWORD, password2: PASSWORD } });
  token = (await logIn000(server, mail, { username, email, password: PASSWORD })).token;
  expect(token).toMatch(/^[0-9a-f]{40}$/);
  accessToken = ((await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: username, password: PASSWORD } })).json()) as { accessToken: string }).accessToken;
  const other = uniqueName('h');
  await call(server, '/compat/000/auth/registration/', { method: 'POST', json: { username: other, email: `${other}@example.test`, password1: PASSWORD, password2: PASSWORD } });
  const tokens = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: other, password: PASSWORD } })).json()) as { accessToken: string };
  // Signed in on /api/v1, the other says they are connected through 000, so a conversation can start.
  await call(server, '/compat/000/users/connect/', { method: 'POST', headers: { authorization: `Bearer ${tokens.accessToken}` } });
  chatId = (await call(server, '/compat/000/conversations/start/', { method: 'POST', headers: { authorization: `Token ${token}` }, json: { username: other } })).body.conversation_id;
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

/** A body as JSON, as a form, or raw bytes a parser must refuse. */
const body = (fields: string[]) =>
  fc.oneof(
    objectWith(fields).map((value) => ({ body: serialize(value), type: 'application/json' })),
    objectWith(fields).map((value) => ({
      body: new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : serialize(v)])).toString(),
      type: 'application/x-www-form-urlencoded',
    })),
    rawBodies.map((raw) => ({ body: raw, type: 'application/json' })),
    jsonValue.map((value) => ({ body: serialize(value), type: 'application/json' })),
  );

describe('dialects under hostile input', () => {
  it('answer every route with a 2xx–4xx JSON answer, whatever the body or id', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes).chain((route) => fc.tuple(fc.constant(route), body(route.fields))), pathSegment, fc.boolean(), async ([route, sent], id, signed) => {
        const path = route.path.replaceAll('{id}', id);
        const res = await server.request(path, {
          method: route.method,
          headers: { ...(signed ? { authorization: route.path.startsWith('/compat/000') ? `Token ${token}` : `Bearer ${accessToken}` } : {}), ...(route.method === 'GET' ? {} : { 'content-type': sent.type }) },
          ...(route.method === 'GET' ? {} : { body: sent.body }),
          redirect: 'manual',
        });
        const text = await res.text();
        expect(res.status, `${route.method} ${path} ${sent.body.slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
        if (res.status !== 302 && res.status !== 204) expect(res.headers.get('content-type') ?? '').toMatch(/json/);
      }),
      budget,
    );
    expect((await server.request('/health')).status).toBe(200);
  }, (SECONDS + 30) * 1000);

  it('keeps a 000 chat socket up through random frames, each answered or stored', async () => {
    const socket = await DialectSocket.open(server, `/compat/000/ws/chat/${chatId}/`, { authorization: `Token ${token}` });
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonValue.map(serialize), objectWith(['type', 'message', 'sender']).map(serialize)), async (frame) => {
        socket.send(frame);
      }),
      // A bounded burst: the point is what each frame does, not flooding (the frame limit is tested elsewhere).
      { numRuns: 300, ...(seed === undefined ? {} : { seed }) },
    );
    // Still open, and still carrying messages.
    socket.send({ type: 'chat_message', message: 'still here' });
    await socket.next((f) => f.text === 'still here', 'the message after the noise');
    await socket.close();
    expect((await server.request('/health')).status).toBe(200);
  });

  it('keeps a 004 chat socket up through random frames, each answered or stored', async () => {
    const auth = { authorization: `Bearer ${accessToken}` };
    const me = (await call(server, '/compat/004/api/auth/current_user', { headers: auth })).body.id as string;
    const chat = (await call(server, '/compat/004/api/user/chats', { headers: auth })).body[0].id as string;
    const socket = await DialectSocket.open(server, `/compat/004/api/chats/ws/${chat}/${me}`, auth);
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonValue.map(serialize), objectWith(['message', 'user', 'id']).map(serialize), fc.string({ unit: 'binary' })), async (frame) => {
        socket.send(frame);
      }),
      { numRuns: 300, ...(seed === undefined ? {} : { seed }) },
    );
    socket.send('still here');
    await socket.next((f) => f.message === 'still here', 'the message after the noise');
    await socket.close();
    expect((await server.request('/health')).status).toBe(200);
  });
});
