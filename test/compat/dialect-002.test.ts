import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerUser, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, form } from './helpers.js';

let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '002' } });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

/** A password both 002's rules (an upper-case letter, a digit, a special character) and ours take. */
const PASSWORD = 'Plum-Kettle-47*';
const at = (path: string) => `/compat/002${path}`;
const post = (path: string, json: unknown, headers: Record<string, string> = {}) => call(server, at(path), { method: 'POST', json, headers });
/** 002's clients send the access token as the bare header. */
const bare = (token: string) => ({ authorization: token });

/** `atob` as a browser has it: plain base64 only. */
const atob = (segment: string) => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(segment)) throw new Error(`not plain base64: ${segment}`);
  return Buffer.from(segment, 'base64').toString('binary');
};
const claimsOf = (jwt: string) => JSON.parse(atob(jwt.split('.')[1]!)) as Record<string, unknown>;

function newPerson() {
  const username = uniqueName('v').slice(0, 20);
  return { username, email: `${username.toLowerCase()}@ex.test`, password: PASSWORD };
}

/** The sessions /api/v1 lists for the owner of this access token. */
async function sessionIds(accessToken: string): Promise<number[]> {
  const sessions = (await (await server.request('/api/v1/auth/sessions', { headers: bearer(accessToken) })).json()) as { items?: Array<{ id: number }> } | Array<{ id: number }>;
  return (Array.isArray(sessions) ? sessions : (sessions.items ?? [])).map((s) => s.id);
}

async function signUp(person = newPerson()) {
  const res = await post('/user/signup/', person);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const refresh = res.body.refresh_token as string;
  const access = (await post('/user/refresh-access-jwt/', { refresh_token: refresh })).body.access_token as string;
  return { ...person, id: claimsOf(refresh).user_id as number, refresh, access };
}

describe('002: signup, signin and tokens', () => {
  it('signs up as the document posts it, answering 201 and a refresh token whose claims the client reads with atob', async () => {
    const person = newPerson();
    const res = await post('/user/signup/', person);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ refresh_token: expect.any(String) });
    const claims = claimsOf(res.body.refresh_token);
    expect(claims).toMatchObject({ token_type: 'refresh', user_id: expect.any(Number), exp: expect.any(Number), iat: expect.any(Number), sid: expect.any(Number) });
    expect(JSON.parse(atob(res.body.refresh_token.split('.')[0]))).toEqual({ alg: 'HS256', typ: 'JWT' });
    // One world: the account logs in on /api/v1, and its session is listed there.
    const tokens = await login(server, person);
    expect(await sessionIds(tokens.accessToken)).toContain(claims.sid);
  });

  it('refuses signups the document refuses, with 401 and every problem as a string', async () => {
    const weak = await post('/user/signup/', { ...newPerson(), password: 'alllowercase' });
    expect(weak.status).toBe(401);
    expect(weak.body.errors).toEqual(expect.arrayContaining(['Password must contain at least one uppercase letter', 'Password must contain at least one digit', 'Password must contain at least one special character']));
    const long = await post('/user/signup/', { ...newPerson(), username: 'a'.repeat(21), email: `${'e'.repeat(45)}@ex.test` });
    expect(long.status).toBe(401);
    expect(long.body.errors).toEqual(['Username must be between 1 and 20 characters long', 'Email must be between 1 and 50 characters long']);
    const taken = await signUp();
    const again = await post('/user/signup/', { ...newPerson(), username: taken.username });
    expect(again.status).toBe(401);
    expect(again.body.errors).toEqual([expect.stringMatching(/username/i)]);
    const missing = await post('/user/signup/', {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ errors: ['username: This field is required.'] });
    for (const bad of [{ ...newPerson(), username: ['a'] }, { ...newPerson(), email: 5 }, ['x']]) {
      const res = await post('/user/signup/', bad);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
  });

  it('signs in with {username, password} and with {login, password} by username or e-mail; wrong credentials are 401', async () => {
    const user = await signUp();
    for (const body of [{ username: user.username, password: PASSWORD }, { login: user.username, password: PASSWORD }, { login: user.email, password: PASSWORD }]) {
      const res = await post('/user/signin/', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(claimsOf(res.body.refresh_token).user_id).toBe(user.id);
    }
    const formBody = await call(server, at('/user/signin/'), { method: 'POST', ...form({ username: user.username, password: PASSWORD }) });
    expect(formBody.status).toBe(201);
    const wrong = await post('/user/signin/', { username: user.username, password: 'Wrong-pass-1*' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: [expect.any(String)] });
    const missing = await post('/user/signin/', { username: user.username });
    expect(missing.status).toBe(401);
    expect(missing.body.errors).toEqual(['password: This field is required.']);
    // An account made on /api/v1 signs in here.
    const canonical = await registerUser(server, { password: PASSWORD });
    expect((await post('/user/signin/', { username: canonical.username, password: PASSWORD })).status).toBe(201);
  });

  it('trades a refresh token for an access token (400 otherwise), sent as the bare Authorization header', async () => {
    const user = await signUp();
    const claims = claimsOf(user.access);
    expect(claims).toMatchObject({ token_type: 'access', user_id: user.id, exp: expect.any(Number), iat: expect.any(Number) });
    expect(Number.isInteger(claims.user_id)).toBe(true);
    const me = await call(server, at('/user/me/'), { headers: bare(user.access) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, username: user.username, email: user.email, '2fa': false });
    expect((await call(server, at('/user/me/'), { headers: bearer(user.access) })).status).toBe(200);
    for (const body of [{ refresh_token: 'nope' }, { refresh_token: user.access }, {}, { refresh_token: 5 }]) {
      const res = await post('/user/refresh-access-jwt/', body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
    const none = await call(server, at('/user/me/'));
    expect(none.status).toBe(401);
    expect(none.body.errors).toEqual([expect.any(String)]);
    const bad = await call(server, at('/user/me/'), { headers: bare('garbage') });
    expect(bad.status).toBe(401);
  });

  it('makes tokens whose header and payload are plain base64, over many tokens', async () => {
    const user = await signUp();
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await post('/user/refresh-access-jwt/', { refresh_token: user.refresh });
      seen.push(res.body.access_token);
    }
    for (const token of [...seen, user.refresh]) {
      const [header, payload] = token.split('.');
      expect(`${header}.${payload}`).not.toMatch(/[-_]/);
      expect(() => claimsOf(token)).not.toThrow();
    }
  });

  it('a token ends with its session: logging out on /api/v1 ends the 002 tokens of that session', async () => {
    const user = await signUp();
    const sid = claimsOf(user.refresh).sid as number;
    const canonical = await login(server, user);
    expect(await sessionIds(canonical.accessToken)).toContain(sid);
    const ended = await server.request(`/api/v1/auth/sessions/${sid}`, { method: 'DELETE', headers: bearer(canonical.accessToken) });
    expect(ended.status).toBeLessThan(300);
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).status).toBe(401);
    expect((await post('/user/refresh-access-jwt/', { refresh_token: user.refresh })).status).toBe(400);
  });

  it('tells whether a username or an address is taken', async () => {
    const user = await signUp();
    expect((await post('/user/username-exist/', { username: user.username })).body).toEqual({ is_taken: true });
    expect((await post('/user/username-exist/', { username: user.username.toUpperCase() })).body).toEqual({ is_taken: true });
    expect((await post('/user/username-exist/', { username: uniqueName('free') })).body).toEqual({ is_taken: false });
    expect((await post('/user/email-exist/', { email: user.email })).body).toEqual({ is_taken: true });
    expect((await post('/user/email-exist/', { email: 'nobody-here@ex.test' })).body).toEqual({ is_taken: false });
    const missing = await post('/user/email-exist/', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errors: ['email: This field is required.'] });
  });
});

describe('002: people', () => {
  it('shows a person by id, by username, by /user/id/<id>/, and names ids in bulk', async () => {
    const a = await signUp();
    const b = await signUp();
    for (const path of [`/user/${b.id}/`, `/user/${b.id}`, `/user/id/${b.id}/`, `/user/${b.username}/`]) {
      const res = await call(server, at(path), { headers: bare(a.access) });
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ id: b.id, username: b.username, avatar: expect.stringMatching(/^\/files\//) });
    }
    expect((await call(server, at('/user/999999999/'), { headers: bare(a.access) })).status).toBe(404);
    expect((await call(server, at('/user/no-such-name-x/'), { headers: bare(a.access) })).body).toEqual({ errors: ['User not found'] });
    expect((await call(server, at('/user/id/abc/'), { headers: bare(a.access) })).status).toBe(404);
    const list = await post('/user/id-list/', { id_list: [a.id, b.id, 999999999] }, bare(a.access));
    expect(list.body).toEqual({ [a.id]: a.username, [b.id]: b.username });
  });

  it('searches usernames ({"usernames"} and the same list as "users"); an empty one is an error', async () => {
    const a = await signUp();
    const stem = uniqueName('srch').slice(0, 12);
    const b = await signUp({ ...newPerson(), username: `${stem}a`, email: `${stem}a@ex.test` });
    await signUp({ ...newPerson(), username: `${stem}b`, email: `${stem}b@ex.test` });
    const res = await post('/user/search-username/', { username: stem }, bare(a.access));
    expect(res.status).toBe(200);
    expect([...res.body.usernames].sort()).toEqual([`${stem}a`, `${stem}b`]);
    expect(res.body.users).toEqual(res.body.usernames);
    expect(b.id).toBeGreaterThan(0);
    const empty = await post('/user/search-username/', { username: '' }, bare(a.access));
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ errors: ['Username not found'] });
  });
});

describe('002: every answer is JSON', () => {
  it('answers unknown paths with a JSON 404 and other methods with a JSON 405', async () => {
    const notFound = await call(server, at('/user/nothing/here/'));
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ errors: ['Not found'] });
    const wrongMethod = await call(server, at('/user/signup/'), { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.errors).toEqual([expect.any(String)]);
    const malformed = await call(server, at('/user/signin/'), { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.body.errors).toEqual([expect.any(String)]);
  });
});
