import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { usesRedis } from '../helpers/environment.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()?.close();
});
async function serverWith(env: Record<string, string>) {
  const server = await startTestServer({ env });
  servers.push(server);
  return server;
}

async function expectLimited(res: Response) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((await problem(res)).code).toBe('rate_limited');
}

const newAccount = () => {
  const username = uniqueName();
  return { username, email: `${username}@example.test`, password: PASSWORD };
};

describe('rate limits answer 429 with Retry-After', () => {
  it('on registration, per address', async () => {
    const server = await serverWith({ RATE_LIMIT_REGISTER: '2/1m' });
    const register = () => server.request('/api/v1/auth/register', { method: 'POST', json: newAccount() });
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(201);
    const blocked = newAccount();
    await expectLimited(await server.request('/api/v1/auth/register', { method: 'POST', json: blocked }));
    const check = await server.request(`/api/v1/auth/availability?username=${blocked.username}`);
    expect(((await check.json()) as { username: { available: boolean } }).username.available).toBe(true);
  });

  it('on login, per address', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_PER_IP: '3/1m' });
    const user = await registerUser(server);
    for (let i = 0; i < 3; i++) {
      expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } })).status).toBe(200);
    }
    await expectLimited(await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } }));
  });

  it('on login, per account: failed tries lock the account out even with the right password', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/1m' });
    const user = await registerUser(server);
    const other = await registerUser(server);
    const attempt = (login: string, password: string) => server.request('/api/v1/auth/login', { method: 'POST', json: { login, password } });
    // Successes do not count.
    for (let i = 0; i < 4; i++) expect((await attempt(user.username, user.password)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await attempt(user.username, 'wrong-password-1')).status).toBe(401);
    await expectLimited(await attempt(user.username, user.password));
    // The same account by e-mail is the same account.
    await expectLimited(await attempt(user.email, user.password));
    // Someone else is not affected.
    expect((await attempt(other.username, other.password)).status).toBe(200);
  });

  it('on current-password checks, which count as failed logins for the account', async () => {
    const server = await serverWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '3/1m' });
    const user = await registerUser(server);
    const login = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } });
    const headers = { authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}` };
    const wrong = 'wrong-password-1';
    const guesses = [
      () => server.request('/api/v1/auth/password/change', { method: 'POST', json: { currentPassword: wrong, newPassword: 'fresh-violet-kite-88' }, headers }),
      () => server.request('/api/v1/users/me', { method: 'PATCH', json: { email: `${uniqueName()}@example.test`, currentPassword: wrong }, headers }),
      () => server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'n', password: wrong }, headers }),
    ];
    for (const guess of guesses) expect((await guess()).status).toBe(400);

    // Past the limit even the right password is refused, on every check and at login.
    await expectLimited(await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'n', password: user.password }, headers }));
    await expectLimited(await server.request('/api/v1/users/me', { method: 'DELETE', json: { password: user.password }, headers }));
    await expectLimited(
      await server.request('/api/v1/auth/password/change', { method: 'POST', json: { currentPassword: user.password, newPassword: 'fresh-violet-kite-88' }, headers }),
    );
    await expectLimited(await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } }));
    expect((await server.request('/api/v1/users/me', { headers })).status).toBe(200);
  });

  it('on forgotten password, e-mail verification resend, code checks and availability', async () => {
    const server = await serverWith({
      RATE_LIMIT_PASSWORD_FORGOT: '1/1m',
      RATE_LIMIT_VERIFY_RESEND: '1/1m',
      RATE_LIMIT_AVAILABILITY: '1/1m',
      RATE_LIMIT_CODE_CHECK: '1/1m',
    });
    const calls: Array<() => Promise<Response>> = [
      () => server.request('/api/v1/auth/password/forgot', { method: 'POST', json: { email: 'a@example.test' } }),
      () => server.request('/api/v1/auth/verify-email/resend', { method: 'POST', json: { email: 'a@example.test' } }),
      () => server.request('/api/v1/auth/availability?username=someone'),
      () => server.request('/api/v1/auth/password/check-code', { method: 'POST', json: { email: 'a@example.test', code: '123456' } }),
    ];
    for (const call of calls) {
      expect((await call()).status).toBeLessThan(400);
      await expectLimited(await call());
    }
  });
});

describe.runIf(usesRedis)('rate limits across nodes (Redis)', () => {
  it('count one budget for two servers sharing Redis', async () => {
    const prefix = `shared-${randomBytes(4).toString('hex')}:`;
    const a = await serverWith({ RATE_LIMIT_REGISTER: '2/1m', REDIS_KEY_PREFIX: prefix });
    const b = await serverWith({ RATE_LIMIT_REGISTER: '2/1m', REDIS_KEY_PREFIX: prefix });
    expect((await a.request('/api/v1/auth/register', { method: 'POST', json: newAccount() })).status).toBe(201);
    expect((await b.request('/api/v1/auth/register', { method: 'POST', json: newAccount() })).status).toBe(201);
    await expectLimited(await a.request('/api/v1/auth/register', { method: 'POST', json: newAccount() }));
    await expectLimited(await b.request('/api/v1/auth/register', { method: 'POST', json: newAccount() }));
  });

  it('count failed logins of one account across servers', async () => {
    const prefix = `shared-${randomBytes(4).toString('hex')}:`;
    const a = await serverWith({ RATE_LIMIT_LOGIN_PER_ACCOUNT: '2/1m', REDIS_KEY_PREFIX: prefix });
    // Two servers on one database: the second reuses the first's environment.
    const b = await startTestServer({ environment: a.environment, env: { RATE_LIMIT_LOGIN_PER_ACCOUNT: '2/1m', REDIS_KEY_PREFIX: prefix } });
    try {
      const user = await registerUser(a);
      expect((await a.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: 'wrong-password-1' } })).status).toBe(401);
      expect((await b.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: 'wrong-password-1' } })).status).toBe(401);
      await expectLimited(await a.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } }));
    } finally {
      await b.close({ keepEnvironment: true });
    }
  });
});
