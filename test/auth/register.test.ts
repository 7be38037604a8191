import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const register = (json: unknown) => server.request('/api/v1/auth/register', { method: 'POST', json });

async function usernameAvailable(username: string): Promise<boolean> {
  const res = await server.request(`/api/v1/auth/availability?username=${encodeURIComponent(username)}`);
  return ((await res.json()) as { username: { available: boolean } }).username.available;
}

describe('POST /auth/register', () => {
  it('creates the account and answers 201 with the user, never the password', async () => {
    const username = uniqueName('Ann');
    const res = await register({ username, email: `${username}@EXAMPLE.test`, password: PASSWORD, firstName: 'Ann', lastName: 'Lee' });
    expect(res.status).toBe(201);
    const text = await res.text();
    const user = JSON.parse(text) as Record<string, unknown>;
    expect(user).toMatchObject({ username, email: `${username.toLowerCase()}@example.test`, emailVerified: false, firstName: 'Ann', lastName: 'Lee', lastSeenAt: null });
    expect(typeof user.id).toBe('number');
    expect(Date.parse(user.createdAt as string)).not.toBeNaN();
    expect(user.signInMethods).toEqual(['password']);
    // Nothing secret: no hash, no token (the sign-in method's name aside).
    expect(JSON.stringify({ ...user, signInMethods: undefined })).not.toMatch(/argon|password|hash|token/i);
  });

  it('refuses a username taken in another case with 409 naming the field', async () => {
    const first = await registerUser(server);
    const res = await register({ username: first.username.toUpperCase(), email: `${uniqueName()}@example.test`, password: PASSWORD });
    expect(res.status).toBe(409);
    expect(await problem(res)).toMatchObject({ code: 'username_taken', errors: [{ field: 'username', message: 'is taken' }] });
  });

  it('refuses an e-mail taken in another case with 409 naming the field', async () => {
    const first = await registerUser(server);
    const res = await register({ username: uniqueName(), email: first.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(await problem(res)).toMatchObject({ code: 'email_taken', errors: [{ field: 'email', message: 'is already registered' }] });
  });

  it('accepts passwordConfirm when it matches and refuses it when it does not', async () => {
    const ok = await register({ username: uniqueName(), email: `${uniqueName()}@example.test`, password: PASSWORD, passwordConfirm: PASSWORD });
    expect(ok.status).toBe(201);
    const username = uniqueName();
    const res = await register({ username, email: `${username}@example.test`, password: PASSWORD, passwordConfirm: `${PASSWORD}x` });
    expect(res.status).toBe(400);
    expect((await problem(res)).errors).toContainEqual({ field: 'passwordConfirm', message: 'does not match the password' });
    expect(await usernameAvailable(username)).toBe(true);
  });

  it('keeps script and SQL fragments in names as plain text', async () => {
    const username = uniqueName();
    const res = await register({ username, email: `${username}@example.test`, password: PASSWORD, firstName: "<script>alert(1)</script>", lastName: "O'Brien'); DROP TABLE users;--" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ firstName: '<script>alert(1)</script>', lastName: "O'Brien'); DROP TABLE users;--" });
    expect((await registerUser(server)).id).toBeGreaterThan(0);
  });
});

describe('POST /auth/register refuses bad input with 400 and creates nothing', () => {
  const cases: Array<[string, (username: string) => unknown, string]> = [
    ['an empty body', () => ({}), 'username'],
    ['a username too short', () => ({ username: 'ab', email: 'ab@example.test', password: PASSWORD }), 'username'],
    ['a username too long', (u) => ({ username: `${u}${'x'.repeat(30)}`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a username with a space', (u) => ({ username: `${u} x`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a Cyrillic look-alike in the username', (u) => ({ username: `\u0430${u}`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a full-width look-alike in the username', (u) => ({ username: `${u}\uff41`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a SQL fragment as username', (u) => ({ username: `${u}';--`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a script tag as username', (u) => ({ username: `<script>${u}`, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a reserved username', (u) => ({ username: 'Admin', email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['an array for the username', (u) => ({ username: [u], email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['a number for the username', (u) => ({ username: 12345, email: `${u}@example.test`, password: PASSWORD }), 'username'],
    ['an invalid e-mail', (u) => ({ username: u, email: 'not-an-email', password: PASSWORD }), 'email'],
    ['an e-mail over 254 characters', (u) => ({ username: u, email: `${'a'.repeat(250)}@example.test`, password: PASSWORD }), 'email'],
    ['a password too short', (u) => ({ username: u, email: `${u}@example.test`, password: 'Sh0rt!' }), 'password'],
    ['a password over 128 characters', (u) => ({ username: u, email: `${u}@example.test`, password: 'x'.repeat(129) }), 'password'],
    ['a 1 MB password', (u) => ({ username: u, email: `${u}@example.test`, password: 'x'.repeat(1_000_000) }), 'password'],
    ['a common password', (u) => ({ username: u, email: `${u}@example.test`, password: 'iloveyou1' }), 'password'],
    ['a password containing the username', (u) => ({ username: u, email: `${u}@example.test`, password: `${u.toUpperCase()}-secret` }), 'password'],
    ['an unknown field', (u) => ({ username: u, email: `${u}@example.test`, password: PASSWORD, isAdmin: true }), 'isAdmin'],
    ['a control character in a name', (u) => ({ username: u, email: `${u}@example.test`, password: PASSWORD, firstName: 'A\u0000B' }), 'firstName'],
  ];

  it.each(cases)('%s', async (_label, makeBody, field) => {
    const username = uniqueName();
    const res = await register(makeBody(username));
    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body.errors?.map((e) => e.field)).toContain(field);
    expect(await usernameAvailable(username)).toBe(true);
  });

  it('refuses a JSON array body', async () => {
    const res = await register([{ username: uniqueName() }]);
    expect(res.status).toBe(400);
  });

  it('refuses malformed JSON', async () => {
    const res = await server.request('/api/v1/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username": ' });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('malformed_json');
  });
});

describe('strict password rules', () => {
  it('require upper case, a digit and a special character when switched on', async () => {
    const strict = await startTestServer({ env: { PASSWORD_REQUIRE_MIXED: 'true' } });
    try {
      const username = uniqueName();
      const weak = await strict.request('/api/v1/auth/register', { method: 'POST', json: { username, email: `${username}@example.test`, password: 'plum kettle orbit' } });
      expect(weak.status).toBe(400);
      expect((await problem(weak)).errors).toEqual([
        { field: 'password', message: 'must contain an upper-case letter' },
        { field: 'password', message: 'must contain a digit' },
        { field: 'password', message: 'must contain a special character' },
      ]);
      const strong = await strict.request('/api/v1/auth/register', { method: 'POST', json: { username, email: `${username}@example.test`, password: 'Plum-kettle-47' } });
      expect(strong.status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('GET /auth/availability', () => {
  it('answers for the username and the e-mail asked about', async () => {
    const taken = await registerUser(server);
    const res = await server.request(`/api/v1/auth/availability?username=${taken.username.toUpperCase()}&email=${encodeURIComponent(taken.email)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      username: { available: false, reason: 'taken', message: 'is taken' },
      email: { available: false, reason: 'taken', message: 'is already registered' },
    });
    const free = await server.request(`/api/v1/auth/availability?username=${uniqueName()}`);
    expect(await free.json()).toEqual({ username: { available: true } });
  });

  it('says why a username or e-mail cannot be used', async () => {
    const res = await server.request('/api/v1/auth/availability?username=root&email=nope');
    expect(await res.json()).toEqual({
      username: { available: false, reason: 'reserved', message: 'is reserved' },
      email: { available: false, reason: 'invalid', message: 'must be a valid e-mail address' },
    });
    const invalid = await server.request(`/api/v1/auth/availability?username=${encodeURIComponent('a b')}`);
    expect(((await invalid.json()) as { username: { reason: string } }).username.reason).toBe('invalid');
  });

  it('refuses a question about nothing, or about something else', async () => {
    expect((await server.request('/api/v1/auth/availability')).status).toBe(400);
    expect((await server.request('/api/v1/auth/availability?phone=1')).status).toBe(400);
  });
});
