import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { call, claimsOf, form } from './helpers.js';

const clock = new TestClock();
let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '003' }, clock });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

const at = (path: string) => `/compat/003${path}`;
const newEmail = () => `${uniqueName('e')}@example.test`.toLowerCase();

async function registerAndLogin(email = newEmail()) {
  const reg = await call(server, at('/api/register/'), { method: 'POST', ...form({ email, password: PASSWORD }) });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const token = await call(server, at('/api/token/'), { method: 'POST', ...form({ email, password: PASSWORD }) });
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  return { id: reg.body.id as number, email, access: token.body.access as string, refresh: token.body.refresh as string };
}

describe('003: registration and e-mail confirmation', () => {
  it('registers by e-mail as the document posts it (form data), mails a link that confirms on a plain GET', async () => {
    const email = newEmail();
    const res = await call(server, at('/api/register/'), { method: 'POST', ...form({ email, password: PASSWORD }) });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), email, is_email_confirmed: false });

    const message = await mail.waitForMail(email, { subject: /verify|confirm/i });
    const link = /(https?:\/\/\S+\/compat\/003\/api\/confirm-email\/\?token=[\w%-]+)/.exec(message.text)?.[1];
    expect(link, message.text).toBeDefined();
    const followed = await fetch(link!.replace(/^https?:\/\/[^/]+/, server.url));
    expect(followed.status).toBe(200);
    expect(await followed.json()).toMatchObject({ id: res.body.id, is_email_confirmed: true });

    const { access } = (await call(server, at('/api/token/'), { method: 'POST', json: { email, password: PASSWORD } })).body;
    const me = await call(server, at('/api/user/'), { headers: bearer(access) });
    expect(me.body).toEqual({ id: res.body.id, email, is_email_confirmed: true });
    // A used link does not confirm again.
    expect((await fetch(link!.replace(/^https?:\/\/[^/]+/, server.url))).status).toBe(400);
  });

  it('takes JSON and a username too; the account is an ordinary one that logs in on /api/v1', async () => {
    const email = newEmail();
    const username = uniqueName('u3');
    const res = await call(server, at('/api/register/'), { method: 'POST', json: { email, password: PASSWORD, username } });
    expect(res.status).toBe(201);
    const canonical = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: username, password: PASSWORD } });
    expect(canonical.status).toBe(200);
    // Registered without a username, one is made from the address.
    const other = await registerAndLogin();
    const tokens = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: other.email, password: PASSWORD } })).json()) as { accessToken: string };
    const me = await server.request('/api/v1/users/me', { headers: bearer(tokens.accessToken) });
    expect(((await me.json()) as { username: string }).username).toMatch(/^e\d+/);
  });

  it('answers bad registrations in DRF shape: a taken address, a weak password, missing fields', async () => {
    const { email } = await registerAndLogin();
    const taken = await call(server, at('/api/register/'), { method: 'POST', json: { email, password: PASSWORD } });
    expect(taken.status).toBe(400);
    expect(taken.body.email).toEqual([expect.any(String)]);
    const weak = await call(server, at('/api/register/'), { method: 'POST', json: { email: newEmail(), password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body.password).toEqual(expect.arrayContaining([expect.any(String)]));
    const missing = await call(server, at('/api/register/'), { method: 'POST', json: {} });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ email: ['This field is required.'] });
    const wrongType = await call(server, at('/api/register/'), { method: 'POST', json: { email: ['a'], password: PASSWORD } });
    expect(wrongType.status).toBe(400);
    const notObject = await call(server, at('/api/register/'), { method: 'POST', json: ['x'] });
    expect(notObject.status).toBe(400);
    // A field named like an object's own property (the error body once failed on it with a 500).
    const named = await call(server, at('/api/token/'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'hasOwnProperty=a%00b&constructor=x%00' });
    expect(named.status).toBe(400);
    expect(Object.keys(named.body)).toHaveLength(1);
    expect(['hasOwnProperty', 'constructor']).toContain(Object.keys(named.body)[0]);
    const proto = await call(server, at('/api/register/'), { method: 'POST', body: '{"__proto__": {"x": 1}, "email": "a@b.c"}', headers: { 'content-type': 'application/json' } });
    expect(proto.status).toBe(400);
  });
});

describe('003: JWT login, refresh and the current user', () => {
  it('logs in by e-mail or username with SimpleJWT tokens: access lives one day, claims as SimpleJWT writes them', async () => {
    const user = await registerAndLogin();
    const access = claimsOf(user.access);
    expect(access).toMatchObject({ token_type: 'access', user_id: user.id });
    expect(access.exp as number - (access.iat as number)).toBe(86_400);
    expect(access.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(claimsOf(user.refresh)).toMatchObject({ token_type: 'refresh', user_id: user.id });
    const byUsername = await call(server, at('/api/token/'), { method: 'POST', json: { username: user.email, password: PASSWORD } });
    expect(byUsername.status).toBe(200);
  });

  it('refuses wrong credentials as SimpleJWT does', async () => {
    const user = await registerAndLogin();
    const res = await call(server, at('/api/token/'), { method: 'POST', json: { email: user.email, password: 'wrong-password-1' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'No active account found with the given credentials' });
  });

  it('refreshes without rotating: the refresh token stays usable; a bad one is 401', async () => {
    const user = await registerAndLogin();
    for (let i = 0; i < 2; i++) {
      const res = await call(server, at('/api/token/refresh/'), { method: 'POST', ...form({ refresh: user.refresh }) });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(['access']);
      expect((await call(server, at('/api/user/'), { headers: bearer(res.body.access) })).status).toBe(200);
    }
    expect((await call(server, at('/api/token/refresh/'), { method: 'POST', json: { refresh: user.access } })).status).toBe(401);
    expect((await call(server, at('/api/token/refresh/'), { method: 'POST', json: { refresh: 'x.y.z' } })).status).toBe(401);
  });

  it('is a real session: listed on /api/v1, and ending it there ends the dialect tokens', async () => {
    const user = await registerAndLogin();
    const canonical = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.email, password: PASSWORD } })).json()) as { accessToken: string };
    const sessions = (await (await server.request('/api/v1/auth/sessions', { headers: bearer(canonical.accessToken) })).json()) as { items?: Array<{ id: number }> } | Array<{ id: number }>;
    const list = Array.isArray(sessions) ? sessions : (sessions.items ?? []);
    const dialectSession = claimsOf(user.access).sid as number;
    expect(list.map((s) => s.id)).toContain(dialectSession);
    const ended = await server.request(`/api/v1/auth/sessions/${dialectSession}`, { method: 'DELETE', headers: bearer(canonical.accessToken) });
    expect(ended.status).toBe(204);
    expect((await call(server, at('/api/user/'), { headers: bearer(user.access) })).status).toBe(401);
    expect((await call(server, at('/api/token/refresh/'), { method: 'POST', json: { refresh: user.refresh } })).status).toBe(401);
  });

  it('answers 401 in DRF shape without or with a bad credential, and JSON 404 for unknown paths', async () => {
    const none = await call(server, at('/api/user/'));
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect((await call(server, at('/api/user/'), { headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
    expect((await call(server, at('/api/user/'), { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const unknown = await call(server, at('/api/nothing/'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Not found.' });
  });
});
