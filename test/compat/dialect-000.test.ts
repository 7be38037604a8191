import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { multipart } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';
import { call, claimsOf, DialectSocket, form, logIn000 } from './helpers.js';

let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '000', CORS_ORIGINS: 'https://old-client.example' } });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

const at = (path: string) => `/compat/000${path}`;
const codeIn = (text: string) => /^\s*(\d{6})\s*$/m.exec(text)?.[1];

interface User000 {
  username: string;
  email: string;
  id: number;
  access: string;
  refresh: string;
  token: string;
}

async function register(username = uniqueName('z')) {
  const email = `${username.toLowerCase()}@example.test`;
  const res = await call(server, at('/auth/registration/'), { method: 'POST', json: { username, email, password1: PASSWORD, password2: PASSWORD } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { username, email };
}

/** Asks for the mailed code and logs in with it, as the document's client does. */
async function logIn(user: { username: string; email: string }): Promise<User000> {
  const tokens = await logIn000(server, mail, { ...user, password: PASSWORD });
  return { ...user, id: claimsOf(tokens.access).user_id as number, ...tokens };
}

const signUp = async () => logIn(await register());
const token = (user: User000) => ({ authorization: `Token ${user.token}` });

describe('000: registration and the e-mailed-code login', () => {
  it('registers, mails a code on send-code, logs in with it once, and hands out a JWT pair and a Token', async () => {
    const reg = await call(server, at('/auth/registration/'), { method: 'POST', json: { username: uniqueName('w'), email: `${uniqueName('w')}@example.test`, password1: PASSWORD, password2: PASSWORD } });
    expect(reg).toMatchObject({ status: 201, body: { detail: 'User registered successfully. Please log in.' } });

    const user = await register();
    const sent = await call(server, at('/twofa/send-code/'), { method: 'POST', json: { username: user.username, email: user.email } });
    expect(sent.body).toBe('Email sent. Use the code sent in the login process');
    const code = codeIn((await mail.waitForMail(user.email, { subject: /code/i })).text)!;
    // No code, or a wrong one: no login.
    expect((await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username, password: PASSWORD } })).body).toEqual({ code: ['This field is required.'] });
    const wrong = await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username, password: PASSWORD, code: code === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBeDefined();

    const res = await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username, code, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'refresh_token', 'token_auth']);
    expect(res.body.token_auth).toMatch(/^[0-9a-f]{40}$/);
    expect(claimsOf(res.body.access_token)).toMatchObject({ token_type: 'access', user_id: expect.any(Number), jti: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(claimsOf(res.body.refresh_token).token_type).toBe('refresh');

    // The code is used up.
    expect((await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username, code, password: PASSWORD } })).status).toBe(400);
  });

  it('also sends the code for {username, password}, and refuses a wrong password; a wrong address sends nothing', async () => {
    const user = await register();
    const after = mail.messages.length;
    expect((await call(server, at('/twofa/send-code/'), { method: 'POST', json: { username: user.username, password: 'not-the-password-9' } })).status).toBe(401);
    const probe = await call(server, at('/twofa/send-code/'), { method: 'POST', json: { username: user.username, email: 'someone-else@example.test' } });
    expect(probe.status).toBe(200);
    const sent = await call(server, at('/twofa/send-code/'), { method: 'POST', ...form({ username: user.username, password: PASSWORD }) });
    expect(sent.status).toBe(200);
    const received = await mail.waitForMail(user.email, { after, subject: /code/i });
    expect(mail.messages.slice(after).filter((m) => m.to.includes('someone-else@example.test'))).toEqual([]);
    expect(codeIn(received.text)).toMatch(/^\d{6}$/);
  });

  it('takes registration as multipart with a nickname and an avatar, and answers bad input in DRF shape', async () => {
    const username = uniqueName('m');
    const body = multipart([
      { name: 'username', data: username },
      { name: 'email', data: `${username}@example.test` },
      { name: 'password1', data: PASSWORD },
      { name: 'password2', data: PASSWORD },
      { name: 'nickname', data: 'Mimi' },
      { name: 'avatar', filename: 'me.png', type: 'image/png', data: blackPng(64, 64) },
    ]);
    const res = await call(server, at('/auth/registration/'), { method: 'POST', body: body.body, headers: { 'content-type': body.contentType } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const user = await logIn({ username, email: `${username}@example.test` });
    const profile = await call(server, at('/users/profile/'), { headers: token(user) });
    expect(profile.body).toMatchObject({ id: user.id, username, nickname: 'Mimi', avatar: expect.stringMatching(/^\/files\/avatars\//) });
    expect((await server.request(profile.body.avatar)).headers.get('content-type')).toMatch(/^image\//);

    const mismatch = await call(server, at('/auth/registration/'), { method: 'POST', json: { username: uniqueName('x'), email: `${uniqueName('x')}@example.test`, password1: PASSWORD, password2: `${PASSWORD}x` } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.password2).toBeDefined();
    const taken = await call(server, at('/auth/registration/'), { method: 'POST', json: { username, email: `${uniqueName('x')}@example.test`, password1: PASSWORD, password2: PASSWORD } });
    expect(taken.status).toBe(400);
    expect(taken.body.username).toBeDefined();
    expect((await call(server, at('/auth/registration/'), { method: 'POST', json: { username: 5, email: 'a@b.c', password1: PASSWORD, password2: PASSWORD } })).status).toBe(400);
    expect((await call(server, at('/auth/registration/'), { method: 'POST', json: { username: 'x'.repeat(100_000), email: 'a@b.c', password1: PASSWORD, password2: PASSWORD } })).status).toBe(400);
  });
});

describe('000: credentials', () => {
  it('accepts Token <token_auth> and Bearer <access JWT> on every endpoint; a bad one is 401', async () => {
    const user = await signUp();
    for (const headers of [token(user), bearer(user.access)]) {
      const res = await call(server, at('/users/profile/'), { headers });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, username: user.username, email: user.email });
    }
    expect((await call(server, at('/users/profile/'), { headers: { authorization: `Token ${'0'.repeat(40)}` } })).status).toBe(401);
    expect((await call(server, at('/users/profile/'))).body).toEqual({ detail: 'Authentication credentials were not provided.' });
  });

  it('refreshes from the Bearer header, Authorization: Bearer or a body, rotating; a bad token is 400', async () => {
    const user = await signUp();
    const first = await call(server, at('/api/token/refresh/'), { method: 'POST', headers: { bearer: `Token ${user.refresh}` } });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['access', 'access_token', 'refresh_token']);
    expect(first.body.access).toBe(first.body.access_token);
    const second = await call(server, at('/api/token/refresh/'), { method: 'POST', headers: bearer(first.body.refresh_token) });
    expect(second.status).toBe(200);
    const third = await call(server, at('/api/token/refresh/'), { method: 'POST', json: { refresh: second.body.refresh_token } });
    expect(third.status).toBe(200);
    expect((await call(server, at('/users/profile/'), { headers: bearer(third.body.access) })).status).toBe(200);
    const bad = await call(server, at('/api/token/refresh/'), { method: 'POST', json: { refresh: 'not-a-token' } });
    expect(bad.status).toBe(400);
    expect((await call(server, at('/api/token/refresh/'), { method: 'POST' })).status).toBe(400);
  });

  it('logs out: the Token and JWT stop working, the session is gone from /api/v1, is_connected goes false', async () => {
    const user = await signUp();
    const other = await signUp();
    const seen = async () => (await call(server, at('/users/user_list/'), { headers: token(other) })).body.find((u: any) => u.id === user.id);
    expect((await seen()).is_connected).toBe(true);
    const out = await call(server, at('/auth/logout/'), { method: 'POST', headers: token(user) });
    expect(out.body).toEqual({ detail: 'Successfully logged out.' });
    expect((await call(server, at('/users/profile/'), { headers: token(user) })).status).toBe(401);
    expect((await call(server, at('/users/profile/'), { headers: bearer(user.access) })).status).toBe(401);
    expect((await seen()).is_connected).toBe(false);
  });

  it('changes the password with and without the old one; a wrong old one or a mismatch changes nothing', async () => {
    const user = await signUp();
    const next = 'violet-anchor-82-drift';
    const mismatch = await call(server, at('/auth/password/change/'), { method: 'POST', headers: token(user), json: { new_password1: next, new_password2: `${next}!` } });
    expect(mismatch.status).toBe(400);
    const wrongOld = await call(server, at('/auth/password/change/'), { method: 'POST', headers: token(user), json: { old_password: 'wrong-one-123', new_password1: next, new_password2: next } });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body.old_password).toBeDefined();
    const ok = await call(server, at('/auth/password/change/'), { method: 'POST', headers: token(user), json: { new_password1: next, new_password2: next } });
    expect(ok.body).toEqual({ detail: 'New password has been saved.' });
    const login = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: next } });
    expect(login.status).toBe(200);
  });

  it('an account from 000 signs in on /api/v1, and its dialect session is listed there', async () => {
    const user = await signUp();
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: PASSWORD } });
    const { accessToken } = (await res.json()) as { accessToken: string };
    const sessions = (await (await server.request('/api/v1/auth/sessions', { headers: bearer(accessToken) })).json()) as any;
    const ids = (Array.isArray(sessions) ? sessions : sessions.items).map((s: { id: number }) => s.id);
    expect(ids).toContain(claimsOf(user.access).sid);
  });
});

describe('000: people and friends', () => {
  it('lists users with is_connected, avatar and friends; adds, lists and removes friends by username', async () => {
    const a = await signUp();
    const b = await signUp();
    const added = await call(server, at('/users/add_friend/'), { method: 'POST', headers: token(a), json: { friend_username: b.username } });
    expect(added.body).toMatchObject({ success: true, message: expect.stringContaining(b.username) });
    // FRIENDS_AUTO_ACCEPT is off: b accepts by adding a back.
    await call(server, at('/users/add_friend/'), { method: 'POST', headers: token(b), json: { friend_username: a.username } });
    const friends = await call(server, at('/users/friend_list/'), { headers: token(a) });
    expect(friends.body).toEqual([{ id: b.id, username: b.username, is_connected: true, avatar: expect.stringMatching(/^\/files\//), friends: [a.username] }]);
    const list = await call(server, at('/users/user_list/'), { headers: token(a) });
    expect(list.body.find((u: any) => u.id === a.id)).toMatchObject({ username: a.username, friends: [b.username], is_connected: true });

    const removed = await call(server, at('/users/remove_friend/'), { method: 'POST', headers: token(a), json: { friend_username: b.username } });
    expect(removed.body.success).toBe(true);
    expect((await call(server, at('/users/friend_list/'), { headers: token(a) })).body).toEqual([]);
    const unknown = await call(server, at('/users/add_friend/'), { method: 'POST', headers: token(a), json: { friend_username: 'nobody-here-xyz' } });
    expect(unknown.status).toBe(400);
  });

  it('updates username, nickname and avatar; connect and disconnect set is_connected', async () => {
    const user = await signUp();
    const watcher = await signUp();
    const renamed = uniqueName('r');
    const body = multipart([
      { name: 'username', data: renamed },
      { name: 'nickname', data: 'Renamed' },
      { name: 'avatar', filename: 'a.png', type: 'image/png', data: blackPng(32, 32) },
    ]);
    const res = await call(server, at('/users/update/'), { method: 'POST', headers: { ...token(user), 'content-type': body.contentType }, body: body.body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, username: renamed, is_connected: true, friends: [] });
    const seen = async () => (await call(server, at('/users/user_list/'), { headers: token(watcher) })).body.find((u: any) => u.id === user.id);
    expect((await call(server, at('/users/disconnect/'), { method: 'POST', headers: token(user) })).body).toEqual({ is_connected: false });
    expect((await seen()).is_connected).toBe(false);
    await call(server, at('/users/connect/'), { method: 'POST', headers: token(user) });
    expect((await seen()).is_connected).toBe(true);
  });

  it('blocks by username: the blocked person no longer sees the blocker in the user list, and cannot start a conversation', async () => {
    const a = await signUp();
    const b = await signUp();
    expect((await call(server, at('/users/block_user/'), { method: 'POST', headers: token(a), json: { block_username: b.username } })).status).toBe(200);
    const list = await call(server, at('/users/user_list/'), { headers: token(b) });
    expect(list.body.some((u: any) => u.id === a.id)).toBe(false);
    const start = await call(server, at('/conversations/start/'), { method: 'POST', headers: token(b), json: { username: a.username } });
    expect(start.status).toBe(400);
    expect(start.body).toEqual({ message: expect.any(String) });
    expect((await call(server, at('/users/unblock_user/'), { method: 'POST', headers: token(a), json: { block_username: b.username } })).status).toBe(200);
    expect((await call(server, at('/conversations/start/'), { method: 'POST', headers: token(b), json: { username: a.username } })).status).toBe(201);
  });

  it('deletes the account with the password; a wrong one changes nothing', async () => {
    const user = await signUp();
    const wrong = await call(server, at('/users/profile/delete/'), { method: 'DELETE', headers: token(user), json: { password: 'wrong-password-7', refresh: user.refresh } });
    expect(wrong.status).toBe(400);
    expect((await call(server, at('/users/profile/'), { headers: token(user) })).status).toBe(200);
    const ok = await call(server, at('/users/profile/delete/'), { method: 'DELETE', headers: token(user), json: { password: PASSWORD, refresh: user.refresh } });
    expect(ok.status).toBe(200);
    expect((await call(server, at('/users/profile/'), { headers: token(user) })).status).toBe(401);
  });
});

describe('000: conversations', () => {
  it('starts a conversation with a connected user, refusing yourself, unknown and offline people; a second start returns the same', async () => {
    const a = await signUp();
    const b = await signUp();
    const start = (username: string) => call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username } });
    expect((await start(a.username)).status).toBe(400);
    // Text no store can keep is refused before it reaches one (PostgreSQL failed on NUL with a 500).
    expect((await start('a\u0000b')).status).toBe(400);
    const nul = await call(server, at('/conversations/start/'), { method: 'POST', headers: { ...token(a), 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a%00b' });
    expect(nul.status).toBe(400);
    expect((await start('no-such-user-q')).body).toEqual({ message: 'User not found.' });
    const offline = await register();
    expect((await start(offline.username)).body).toEqual({ message: `${offline.username} is not connected.` });

    const first = await start(b.username);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ conversation_id: expect.any(Number), initiator: { id: a.id, username: a.username }, receiver: { id: b.id, username: b.username } });
    const again = await start(b.username);
    expect(again.status).toBe(200);
    expect(again.body.conversation_id).toBe(first.body.conversation_id);
  });

  it('offers the conversation as an invitation until accepted or declined; opening it accepts it', async () => {
    const a = await signUp();
    const b = await signUp();
    const c = await signUp();
    const first = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username: b.username } })).body.conversation_id;
    const check = async (user: User000) => (await call(server, at('/conversations/check_invitation/'), { headers: token(user) })).body;
    expect(await check(a)).toEqual({ chat_invitation: 0 });
    expect(await check(b)).toEqual({ chat_invitation: first });
    expect((await call(server, at('/conversations/accept_invitation/'), { method: 'POST', headers: token(b), json: { convoId: first } })).status).toBe(200);
    expect(await check(b)).toEqual({ chat_invitation: 0 });
    const second = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(c), json: { username: b.username } })).body.conversation_id;
    expect(await check(b)).toEqual({ chat_invitation: second });
    const declined = form({ convoId: String(second) });
    expect((await call(server, at('/conversations/decline_invitation/'), { method: 'POST', body: declined.body, headers: { ...token(b), ...declined.headers } })).status).toBe(200);
    expect(await check(b)).toEqual({ chat_invitation: 0 });
    // Someone else cannot settle my invitations.
    const third = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username: c.username } })).body.conversation_id;
    expect((await call(server, at('/conversations/accept_invitation/'), { method: 'POST', headers: token(b), json: { convoId: third } })).status).toBe(404);
    expect(await check(c)).toEqual({ chat_invitation: third });
    await call(server, at(`/conversations/${third}/`), { headers: token(c) });
    expect(await check(c)).toEqual({ chat_invitation: 0 });
  });

  it('chats live over ws/chat/<id>/: both sockets get {text, realSender}, the sender named by the server; history newest first', async () => {
    const a = await signUp();
    const b = await signUp();
    const convo = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username: b.username } })).body.conversation_id;
    const sa = await DialectSocket.open(server, at(`/ws/chat/${convo}/`), token(a));
    const sb = await DialectSocket.open(server, at(`/ws/chat/${convo}/?token=${b.token}`));
    sa.send({ type: 'chat_message', message: 'hola', sender: b.username });
    const expected = { text: 'hola', realSender: a.username };
    expect(await sa.next((f) => f.text === 'hola', 'own echo')).toEqual(expected);
    expect(await sb.next((f) => f.text === 'hola', 'the message')).toEqual(expected);
    sb.send(JSON.stringify({ type: 'chat_message', message: 'adios' }));
    await sa.next((f) => f.text === 'adios', 'the reply');

    const detail = await call(server, at(`/conversations/${convo}/`), { headers: token(a) });
    expect(detail.body.message_set.map((m: any) => [m.text, m.realSender])).toEqual([['adios', b.username], ['hola', a.username]]);
    expect(detail.body.message_set[0]).toEqual({ id: expect.any(Number), text: 'adios', realSender: b.username, created_at: expect.any(String) });
    const list = await call(server, at('/conversations/'), { headers: token(a) });
    expect(list.body.find((c: any) => c.id === convo).last_message).toMatchObject({ text: 'adios', realSender: b.username });

    // Bad frames are answered on the socket, which stays open.
    sa.send('not json');
    sa.send({ type: 'chat_message', message: 42 });
    await sa.next((f) => f.type === 'error', 'an error frame');
    await Promise.all([sa.close(), sb.close()]);
  });

  it('refuses a socket to someone else\'s conversation, and one without a credential', async () => {
    const a = await signUp();
    const b = await signUp();
    const outsider = await signUp();
    const convo = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username: b.username } })).body.conversation_id;
    const refused = await DialectSocket.open(server, at(`/ws/chat/${convo}/`), token(outsider));
    expect((await refused.closed).code).toBe(4403);
    const anonymous = await DialectSocket.open(server, at(`/ws/chat/${convo}/`));
    expect((await anonymous.closed).code).toBe(4401);
    expect((await call(server, at(`/conversations/${convo}/`), { headers: token(outsider) })).status).toBe(404);
  });

  it('is one world: a message sent over 000 reaches /api/v1/ws, and one sent on /api/v1 reaches the 000 socket', async () => {
    const a = await signUp();
    const b = await signUp();
    const convo = (await call(server, at('/conversations/start/'), { method: 'POST', headers: token(a), json: { username: b.username } })).body.conversation_id;
    const tokens = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: b.username, password: PASSWORD } })).json()) as { accessToken: string };
    const canonical = await TestSocket.open(server, { token: tokens.accessToken });
    const old = await DialectSocket.open(server, at(`/ws/chat/${convo}/`), token(a));
    old.send({ type: 'chat_message', message: 'from 000' });
    const created = await canonical.next((f) => f.type === 'message.created', 'the message on /api/v1/ws');
    expect(created).toMatchObject({ message: { chatId: convo, text: 'from 000', sender: { id: a.id } } });
    const sent = await server.request(`/api/v1/chats/${convo}/messages`, { method: 'POST', headers: bearer(tokens.accessToken), json: { text: 'from v1' } });
    expect(sent.status).toBe(201);
    expect(await old.next((f) => f.text === 'from v1', 'the v1 message')).toEqual({ text: 'from v1', realSender: b.username });
    await Promise.all([canonical.close(), old.close()]);
  });
});

describe('000: the rest of the surface', () => {
  it('answers game and statistics paths with a JSON 404, never 401', async () => {
    for (const path of ['/statistic/', '/pong/games/', '/tournament/1/']) {
      const res = await call(server, at(path));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Not found.' });
    }
  });

  it('answers CORS preflights and errors with the allowed origin', async () => {
    const preflight = await server.request(at('/auth/login/'), {
      method: 'OPTIONS',
      headers: { origin: 'https://old-client.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://old-client.example');
    const error = await server.request(at('/users/profile/'), { headers: { origin: 'https://old-client.example' } });
    expect(error.status).toBe(401);
    expect(error.headers.get('access-control-allow-origin')).toBe('https://old-client.example');
  });
});
