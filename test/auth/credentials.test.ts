import { randomBytes, randomUUID } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../src/adapters/secrets.js';
import { bearer, login, meStatus, problem, registerUser, type RegisteredUser } from '../helpers/accounts.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const AUTH_SECRET = randomBytes(32).toString('hex');
const clock = new TestClock();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { AUTH_SECRET }, clock });
});
afterAll(() => server?.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('Authorization: Bearer <access token> — tampering', () => {
  let user: RegisteredUser;
  let accessToken: string;
  let sessionId: number;
  beforeAll(async () => {
    user = await registerUser(server);
    ({ accessToken, sessionId } = await login(server, user));
  });

  const sign = (key: Buffer, claims: Record<string, unknown>, options: { clockTimestamp?: number; expiresIn?: number } = {}) =>
    createSigner({ key, algorithm: 'HS256', iss: 'messenger', header: { alg: 'HS256', typ: 'at+jwt' }, expiresIn: 900_000, ...options })(claims);

  it('accepts a token signed with the server key (the control case)', async () => {
    const token = sign(deriveKey(Buffer.from(AUTH_SECRET), 'access-token'), { sub: String(user.id), sid: sessionId, jti: randomUUID() });
    expect(await meStatus(server, bearer(token))).toBe(200);
  });

  it('refuses alg "none"', async () => {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as object;
    const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`;
    const res = await server.request('/api/v1/users/me', { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('invalid_token');
  });

  it('refuses a token signed with another key', async () => {
    const token = sign(randomBytes(32), { sub: String(user.id), sid: sessionId, jti: randomUUID() });
    expect(await meStatus(server, bearer(token))).toBe(401);
  });

  it('refuses an edited payload', async () => {
    const [header, , signature] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${b64({ ...claims, sub: String(user.id + 1) })}.${signature}`;
    expect(await meStatus(server, bearer(forged))).toBe(401);
  });

  it('refuses an expired token with token_expired', async () => {
    const token = sign(deriveKey(Buffer.from(AUTH_SECRET), 'access-token'), { sub: String(user.id), sid: sessionId, jti: randomUUID() }, {
      clockTimestamp: Date.now() - 20 * 60_000,
    });
    const res = await server.request('/api/v1/users/me', { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('token_expired');
  });

  it('refuses a validly signed token whose type is not an access token', async () => {
    const token = createSigner({ key: deriveKey(Buffer.from(AUTH_SECRET), 'access-token'), algorithm: 'HS256', iss: 'messenger', expiresIn: 900_000 })({
      sub: String(user.id),
      sid: sessionId,
      jti: randomUUID(),
    });
    expect(await meStatus(server, bearer(token))).toBe(401);
  });

  it('refuses garbage, an empty credential and an unknown scheme', async () => {
    for (const authorization of ['Bearer not.a.jwt', 'Bearer ', 'Bearer', `Basic ${Buffer.from('a:b').toString('base64')}`, 'x'.repeat(5000)]) {
      expect(await meStatus(server, { authorization }), authorization.slice(0, 20)).toBe(401);
    }
  });
});

describe('Authorization: Token <personal access token>', () => {
  it('creates a token shown once, lists it without the secret, accepts it, and revokes it', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const created = await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'CI deploys', expiresInDays: 30, password: user.password }, headers: bearer(accessToken) });
    expect(created.status).toBe(201);
    const token = (await created.json()) as { id: number; token: string; hint: string; name: string; expiresAt: string };
    expect(token.token).toMatch(/^msg_pat_[\w-]{43}$/);
    expect(token.hint).toBe(token.token.slice(-4));
    expect(Date.parse(token.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);

    const list = await server.request('/api/v1/auth/tokens', { headers: bearer(accessToken) });
    const listed = await list.text();
    expect(listed).not.toContain(token.token);
    expect(JSON.parse(listed)).toMatchObject({ items: [{ id: token.id, name: 'CI deploys', hint: token.hint }] });

    const me = await server.request('/api/v1/users/me', { headers: { authorization: `Token ${token.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: number }).id).toBe(user.id);

    expect((await server.request(`/api/v1/auth/tokens/${token.id}`, { method: 'DELETE', headers: bearer(accessToken) })).status).toBe(204);
    expect(await meStatus(server, { authorization: `Token ${token.token}` })).toBe(401);
  });

  it('stops accepting a token once it has expired', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const created = (await (await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'short', expiresInDays: 1, password: user.password }, headers: bearer(accessToken) })).json()) as { token: string };
    expect(await meStatus(server, { authorization: `Token ${created.token}` })).toBe(200);
    clock.advance(25 * 3_600_000);
    try {
      const res = await server.request('/api/v1/users/me', { headers: { authorization: `Token ${created.token}` } });
      expect(res.status).toBe(401);
      expect((await problem(res)).code).toBe('token_expired');
    } finally {
      clock.advance(-25 * 3_600_000);
    }
  });

  it('cannot be used to mint more tokens, and cannot touch another user’s tokens', async () => {
    const user = await registerUser(server);
    const other = await registerUser(server);
    const { accessToken } = await login(server, user);
    const theirs = await login(server, other);
    const created = (await (await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'mine', password: user.password }, headers: bearer(accessToken) })).json()) as { id: number; token: string };
    const minted = await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'more', password: user.password }, headers: { authorization: `Token ${created.token}` } });
    expect(minted.status).toBe(403);
    expect((await problem(minted)).code).toBe('session_required');
    const stolen = await server.request(`/api/v1/auth/tokens/${created.id}`, { method: 'DELETE', headers: bearer(theirs.accessToken) });
    expect(stolen.status).toBe(404);
    expect(await meStatus(server, { authorization: `Token ${created.token}` })).toBe(200);
  });

  it('refuses bad token requests with 400', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const password = user.password;
    const cases = [
      {},
      { name: 'a' },
      { name: 'a', password: '' },
      { name: '', password },
      { name: 'x'.repeat(101), password },
      { name: 'a', password, expiresInDays: 0 },
      { name: 'a', password, expiresInDays: 367 },
      { name: 'a', password, expiresInDays: 'soon' },
      { name: ['a'], password },
    ];
    for (const json of cases) {
      const res = await server.request('/api/v1/auth/tokens', { method: 'POST', json, headers: bearer(accessToken) });
      expect(res.status, JSON.stringify(json)).toBe(400);
    }
    const list = (await (await server.request('/api/v1/auth/tokens', { headers: bearer(accessToken) })).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('expires in 90 days unless asked otherwise, and at most in 366', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const create = async (json: Record<string, unknown>) => {
      const res = await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'n', password: user.password, ...json }, headers: bearer(accessToken) });
      expect(res.status).toBe(201);
      return (Date.parse(((await res.json()) as { expiresAt: string }).expiresAt) - clock.now()) / 86_400_000;
    };
    expect(await create({})).toBeCloseTo(90, 3);
    expect(await create({ expiresInDays: 366 })).toBeCloseTo(366, 3);
  });

  it('needs the current password: a wrong one is refused and creates nothing', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const res = await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'n', password: 'not-the-password-1' }, headers: bearer(accessToken) });
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.code).toBe('wrong_password');
    expect(body.errors).toEqual([{ field: 'password', message: 'is wrong' }]);
    const list = (await (await server.request('/api/v1/auth/tokens', { headers: bearer(accessToken) })).json()) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });

  it('refuses unknown and malformed tokens', async () => {
    expect(await meStatus(server, { authorization: `Token msg_pat_${'A'.repeat(43)}` })).toBe(401);
    expect(await meStatus(server, { authorization: 'Token something-else' })).toBe(401);
  });
});

describe('session cookie for browsers', () => {
  function cookiesOf(res: Response): Record<string, string> {
    return Object.fromEntries(res.headers.getSetCookie().map((c) => [c.split('=')[0]!, c]));
  }
  const value = (setCookie: string) => setCookie.split(';')[0]!.split('=').slice(1).join('=');

  it('sets an HTTP-only SameSite=Lax session cookie and a readable CSRF cookie, and no tokens in the body', async () => {
    const user = await registerUser(server);
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password, cookie: true } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.accessToken).toBeUndefined();
    expect(body.refreshToken).toBeUndefined();
    const cookies = cookiesOf(res);
    expect(cookies.msg_session).toMatch(/HttpOnly/i);
    expect(cookies.msg_session).toMatch(/SameSite=Lax/i);
    expect(cookies.msg_session).toMatch(/Path=\//);
    expect(cookies.msg_csrf).not.toMatch(/HttpOnly/i);
    expect(value(cookies.msg_csrf!)).toBe(body.csrfToken);
  });

  it('authenticates reads by the cookie, and unsafe requests only with the CSRF token', async () => {
    const user = await registerUser(server);
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password, cookie: true } });
    const body = (await res.json()) as { csrfToken: string };
    const cookie = `msg_session=${value(cookiesOf(res).msg_session!)}`;

    const me = await server.request('/api/v1/users/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: number }).id).toBe(user.id);

    const forged = await server.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect((await problem(forged)).code).toBe('csrf_token_invalid');
    const wrong = await server.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': 'A'.repeat(43) } });
    expect(wrong.status).toBe(403);
    expect(await meStatus(server, { cookie })).toBe(200);

    const out = await server.request('/api/v1/auth/logout', { method: 'POST', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(out.status).toBe(204);
    expect(cookiesOf(out).msg_session).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect(await meStatus(server, { cookie })).toBe(401);
  });

  it('refuses an unknown session cookie', async () => {
    expect(await meStatus(server, { cookie: `msg_session=${'A'.repeat(43)}` })).toBe(401);
  });

  it('lists a cookie session as a browser session', async () => {
    const user = await registerUser(server);
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password, cookie: true } });
    const cookie = `msg_session=${value(cookiesOf(res).msg_session!)}`;
    const list = (await (await server.request('/api/v1/auth/sessions', { headers: { cookie } })).json()) as { items: Array<{ kind: string; current: boolean }> };
    expect(list.items).toEqual([expect.objectContaining({ kind: 'cookie', current: true })]);
  });
});

describe('GET /users/me', () => {
  it('answers with the current user on each credential path and 401 without one', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const res = await server.request('/api/v1/users/me', { headers: bearer(accessToken) });
    expect(await res.json()).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      emailVerified: false,
      pendingEmail: null,
      firstName: '',
      lastName: '',
      bio: '',
      avatar: { small: expect.stringMatching(/^\/files\/avatars\/default\//) as unknown, large: expect.stringMatching(/^\/files\/avatars\/default\//) as unknown, isDefault: true },
      isOnline: false,
      signInMethods: ['password'],
      groupAdds: 'everyone',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    const anonymous = await server.request('/api/v1/users/me');
    expect(anonymous.status).toBe(401);
    expect((await problem(anonymous)).code).toBe('missing_credentials');
  });
});
