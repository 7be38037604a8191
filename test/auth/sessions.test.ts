import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, meStatus, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const REUSE_GRACE_MS = 10_000;
const clock = new TestClock();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server?.close());

const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
  server.request(`/api/v1/auth/${path}`, { method: 'POST', json, headers });

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('POST /auth/login', () => {
  it('accepts the username or the e-mail, in any case, and returns a token pair and the user', async () => {
    const user = await registerUser(server);
    for (const loginName of [user.username, user.username.toUpperCase(), user.email.toUpperCase()]) {
      const res = await post('login', { login: loginName, password: user.password });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown> & { user: Record<string, unknown> };
      expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
      expect(body.user).toMatchObject({ id: user.id, username: user.username });
      expect(body.user.lastSeenAt).not.toBeNull();
      expect(typeof body.refreshToken).toBe('string');
      expect((body.refreshToken as string).length).toBeGreaterThanOrEqual(43);
    }
  });

  it('issues an access JWT with sub, sid, exp, iat and jti, valid for 15 minutes', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    const header = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    const claims = claimsOf(tokens.accessToken);
    expect(claims).toMatchObject({ sub: String(user.id), sid: tokens.sessionId });
    expect(typeof claims.jti).toBe('string');
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(await meStatus(server, bearer(tokens.accessToken))).toBe(200);
  });

  it('answers a wrong password and an unknown user alike: 401 with one generic message', async () => {
    const user = await registerUser(server);
    const wrong = await post('login', { login: user.username, password: 'not-the-password-1' });
    const unknown = await post('login', { login: uniqueName(), password: 'not-the-password-1' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await problem(wrong);
    const b = await problem(unknown);
    expect(a.code).toBe('invalid_credentials');
    expect({ code: a.code, detail: a.detail }).toEqual({ code: b.code, detail: b.detail });
  });

  it('refuses bad input with 400', async () => {
    for (const body of [{}, { login: 'x' }, { login: ['a'], password: 'b' }, { login: 'a', password: 'b', extra: 1 }, { login: 'a', password: 'x'.repeat(1_000_000) }]) {
      const res = await post('login', body);
      expect(res.status).toBe(400);
    }
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: a new pair, the new access token works, the old refresh token is retired', async () => {
    const user = await registerUser(server);
    const first = await login(server, user);
    const res = await post('refresh', { refreshToken: first.refreshToken });
    expect(res.status).toBe(200);
    const second = (await res.json()) as { accessToken: string; refreshToken: string; sessionId: number };
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.sessionId).toBe(first.sessionId);
    expect(await meStatus(server, bearer(second.accessToken))).toBe(200);
  });

  it('ends the whole session when a retired refresh token is presented again after the grace (theft detection)', async () => {
    const user = await registerUser(server);
    const first = await login(server, user);
    const second = (await (await post('refresh', { refreshToken: first.refreshToken })).json()) as { accessToken: string; refreshToken: string };

    // Past the grace, as a thief replaying a copied token later would be.
    clock.advance(REUSE_GRACE_MS + 1000);
    const replay = await post('refresh', { refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    expect((await problem(replay)).code).toBe('refresh_token_reused');

    // Both the thief's and the owner's credentials of that session are dead now.
    const afterwards = await post('refresh', { refreshToken: second.refreshToken });
    expect(afterwards.status).toBe(401);
    expect(await meStatus(server, bearer(second.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(first.accessToken))).toBe(401);
  });

  it('refuses an unknown refresh token, and an access token presented as a refresh token', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    const unknown = await post('refresh', { refreshToken: 'a'.repeat(43) });
    expect(unknown.status).toBe(401);
    expect((await problem(unknown)).code).toBe('invalid_refresh_token');
    const swapped = await post('refresh', { refreshToken: tokens.accessToken.slice(0, 200) });
    expect(swapped.status).toBe(401);
    expect(await meStatus(server, bearer(tokens.accessToken))).toBe(200);
  });

  it('refuses a refresh token presented as an access token', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    expect(await meStatus(server, bearer(tokens.refreshToken))).toBe(401);
  });

  it('gives two concurrent refreshes with the same token (two tabs) the same new refresh token', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    const results = await Promise.all([post('refresh', { refreshToken: tokens.refreshToken }), post('refresh', { refreshToken: tokens.refreshToken })]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    const [a, b] = (await Promise.all(results.map((r) => r.json()))) as Array<{ accessToken: string; refreshToken: string; sessionId: number }>;
    expect(a!.refreshToken).toBe(b!.refreshToken);
    expect(a!.refreshToken).not.toBe(tokens.refreshToken);
    expect([a!.sessionId, b!.sessionId]).toEqual([tokens.sessionId, tokens.sessionId]);
    expect(await meStatus(server, bearer(a!.accessToken))).toBe(200);
    expect(await meStatus(server, bearer(b!.accessToken))).toBe(200);
    // The shared successor goes on rotating as usual.
    expect((await post('refresh', { refreshToken: a!.refreshToken })).status).toBe(200);
  });

  it('answers a replay within the grace with the same refresh token and a fresh access token for the same session', async () => {
    const user = await registerUser(server);
    const first = await login(server, user);
    const second = (await (await post('refresh', { refreshToken: first.refreshToken })).json()) as { accessToken: string; refreshToken: string; sessionId: number };
    clock.advance(REUSE_GRACE_MS - 1000);
    try {
      const replay = await post('refresh', { refreshToken: first.refreshToken });
      expect(replay.status).toBe(200);
      const again = (await replay.json()) as { accessToken: string; refreshToken: string; sessionId: number };
      expect(again.refreshToken).toBe(second.refreshToken);
      expect(again.sessionId).toBe(first.sessionId);
      expect(claimsOf(again.accessToken).jti).not.toBe(claimsOf(second.accessToken).jti);
      expect(await meStatus(server, bearer(again.accessToken))).toBe(200);
    } finally {
      clock.advance(-(REUSE_GRACE_MS - 1000));
    }
  });

  it('treats a replay within the grace as reuse once its successor has been rotated too', async () => {
    const user = await registerUser(server);
    const first = await login(server, user);
    const second = (await (await post('refresh', { refreshToken: first.refreshToken })).json()) as { refreshToken: string };
    const third = (await (await post('refresh', { refreshToken: second.refreshToken })).json()) as { accessToken: string; refreshToken: string };
    const replay = await post('refresh', { refreshToken: first.refreshToken });
    expect(replay.status).toBe(401);
    expect((await problem(replay)).code).toBe('refresh_token_reused');
    expect(await meStatus(server, bearer(third.accessToken))).toBe(401);
  });
});

describe('logging out', () => {
  it('POST /auth/logout ends the session: the same access token gets 401 right after', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    expect(await meStatus(server, bearer(tokens.accessToken))).toBe(200);
    const res = await post('logout', undefined, bearer(tokens.accessToken));
    expect(res.status).toBe(204);
    const after = await server.request('/api/v1/users/me', { headers: bearer(tokens.accessToken) });
    expect(after.status).toBe(401);
    expect((await problem(after)).code).toBe('session_ended');
    expect(after.headers.get('www-authenticate')).toContain('Bearer');
    expect((await post('refresh', { refreshToken: tokens.refreshToken })).status).toBe(401);
  });

  it('POST /auth/logout-all ends every session of the user and no one else’s', async () => {
    const user = await registerUser(server);
    const other = await registerUser(server);
    const a = await login(server, user);
    const b = await login(server, user);
    const theirs = await login(server, other);
    const res = await post('logout-all', undefined, bearer(a.accessToken));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ endedSessions: 2, revokedTokens: 0 });
    expect(await meStatus(server, bearer(a.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(b.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(theirs.accessToken))).toBe(200);
  });

  it('needs credentials', async () => {
    const res = await post('logout', undefined);
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('missing_credentials');
  });
});

describe('GET and DELETE /auth/sessions', () => {
  it('lists my open sessions with device details and marks the current one', async () => {
    const user = await registerUser(server);
    const phone = await login(server, user, { 'user-agent': 'PhoneApp/1.0' });
    const laptop = await login(server, user, { 'user-agent': 'Laptop/2.0' });
    const res = await server.request('/api/v1/auth/sessions', { headers: bearer(laptop.accessToken) });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ id: number; userAgent: string; ip: string; current: boolean; kind: string }> };
    expect(items).toHaveLength(2);
    expect(items.find((s) => s.id === laptop.sessionId)).toMatchObject({ current: true, userAgent: 'Laptop/2.0', kind: 'token' });
    expect(items.find((s) => s.id === phone.sessionId)).toMatchObject({ current: false, userAgent: 'PhoneApp/1.0' });
    expect(items[0]!.ip).toMatch(/127\.0\.0\.1/);
  });

  it('ends another of my sessions, whose token then stops working', async () => {
    const user = await registerUser(server);
    const phone = await login(server, user);
    const laptop = await login(server, user);
    const res = await server.request(`/api/v1/auth/sessions/${phone.sessionId}`, { method: 'DELETE', headers: bearer(laptop.accessToken) });
    expect(res.status).toBe(204);
    expect(await meStatus(server, bearer(phone.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(laptop.accessToken))).toBe(200);
  });

  it('answers 404 for someone else’s session and leaves it open', async () => {
    const me = await registerUser(server);
    const them = await registerUser(server);
    const mine = await login(server, me);
    const theirs = await login(server, them);
    const res = await server.request(`/api/v1/auth/sessions/${theirs.sessionId}`, { method: 'DELETE', headers: bearer(mine.accessToken) });
    expect(res.status).toBe(404);
    expect(await meStatus(server, bearer(theirs.accessToken))).toBe(200);
  });

  it('refuses a malformed session id with 400', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      const res = await server.request(`/api/v1/auth/sessions/${id}`, { method: 'DELETE', headers: bearer(tokens.accessToken) });
      expect(res.status, id).toBe(400);
    }
  });
});
