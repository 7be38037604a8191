import { describe, expect, it } from 'vitest';
import { login, registerUser } from '../helpers/accounts.js';
import { startTestServer } from '../helpers/server.js';

describe('password hashes', () => {
  it('are argon2id, and one made with old parameters is upgraded at the next successful login', async () => {
    const cheap = await startTestServer({ env: { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' } });
    const user = await registerUser(cheap);
    const hashOf = async (server: typeof cheap) =>
      (await server.app.database.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash!;
    const before = await hashOf(cheap);
    expect(before).toMatch(/^\$argon2id\$v=19\$/);
    expect(before).toMatch(/[$,]m=1024[,$]/);
    expect(before).toMatch(/[$,]t=1[,$]/);
    await cheap.close({ keepEnvironment: true });

    const stronger = await startTestServer({ environment: cheap.environment, env: { ARGON2_MEMORY_KIB: '2048', ARGON2_TIME_COST: '2' } });
    try {
      // A failed login changes nothing.
      const failed = await stronger.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: 'wrong-password-1' } });
      expect(failed.status).toBe(401);
      expect(await hashOf(stronger)).toBe(before);
      await login(stronger, user);
      const after = await hashOf(stronger);
      expect(after).toMatch(/[$,]m=2048[,$]/);
      expect(after).toMatch(/[$,]t=2[,$]/);
      await login(stronger, user);
    } finally {
      await stronger.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('describes every account endpoint with its error responses', async () => {
    const server = await startTestServer();
    try {
      const doc = (await (await server.request('/openapi.json')).json()) as {
        paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
      };
      const expected: Array<[string, string, string[]]> = [
        ['/api/v1/auth/register', 'post', ['201', '400', '409', '429']],
        ['/api/v1/auth/verify-email', 'post', ['200', '400']],
        ['/api/v1/auth/verify-email/resend', 'post', ['202', '400', '429']],
        ['/api/v1/auth/login', 'post', ['200', '400', '401', '403', '429']],
        ['/api/v1/auth/refresh', 'post', ['200', '400', '401']],
        ['/api/v1/auth/logout', 'post', ['204', '401']],
        ['/api/v1/auth/logout-all', 'post', ['200', '401', '403']],
        ['/api/v1/auth/sessions', 'get', ['200', '401', '403']],
        ['/api/v1/auth/sessions/{id}', 'delete', ['204', '401', '403', '404']],
        ['/api/v1/auth/password/change', 'post', ['200', '400', '401', '403', '429']],
        ['/api/v1/auth/password/forgot', 'post', ['202', '400', '429']],
        ['/api/v1/auth/password/check-code', 'post', ['200', '400', '429']],
        ['/api/v1/auth/password/reset', 'post', ['204', '400', '429']],
        ['/api/v1/auth/availability', 'get', ['200', '400', '429']],
        ['/api/v1/auth/tokens', 'post', ['201', '400', '401', '403', '429']],
        ['/api/v1/auth/tokens', 'get', ['200', '401', '403']],
        ['/api/v1/auth/tokens/{id}', 'delete', ['204', '401', '403', '404']],
        ['/api/v1/users/me', 'get', ['200', '401']],
      ];
      for (const [path, method, statuses] of expected) {
        const operation = doc.paths[path]?.[method];
        expect(operation, `${method} ${path}`).toBeDefined();
        expect(Object.keys(operation!.responses), `${method} ${path}`).toEqual(expect.arrayContaining(statuses));
      }
      expect(doc.paths['/api/v1/users/me']!.get!.security).toHaveLength(3);
      // Credential management takes a session, never a personal access token.
      for (const [path, method] of [['/api/v1/auth/password/change', 'post'], ['/api/v1/auth/tokens', 'post'], ['/api/v1/users/me', 'delete']] as const) {
        expect(doc.paths[path]![method]!.security, `${method} ${path}`).toEqual([{ bearer: [] }, { cookie: [] }]);
      }
    } finally {
      await server.close();
    }
  });
});

describe('production mode', () => {
  it('needs AUTH_SECRET and does not serve the development outbox', async () => {
    await expect(startTestServer({ env: { NODE_ENV: 'production' } })).rejects.toThrow(/AUTH_SECRET/);
    const server = await startTestServer({ env: { NODE_ENV: 'production', AUTH_SECRET: 'p'.repeat(40) } });
    try {
      expect((await server.request('/dev/outbox')).status).toBe(404);
      const user = await registerUser(server);
      const cookieLogin = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password, cookie: true } });
      // Cookies are Secure in production.
      expect(cookieLogin.headers.getSetCookie().every((c) => /;\s*Secure/i.test(c))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
