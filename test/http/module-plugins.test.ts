import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalOf } from '../../src/http/auth/authenticate.js';
import { scopeContentSecurityPolicy } from '../../src/http/security-headers.js';
import type { Module } from '../../src/modules/module.js';
import { DomainError, conflict } from '../../src/services/errors.js';
import { bearer, login, registerUser } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// A module shaped like a later compatibility dialect: its own prefix, error shape, 404 and
// content-security policy, and the accounts module's sign-in guard declared once for its routes.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    extraModules: ({ accounts }): Module[] => [
      {
        name: 'legacy',
        routes: accounts.signedInRoutes('/legacy', (scope) => {
          scope.setErrorHandler((error, _request, reply) => {
            const status = error instanceof DomainError ? (({ unauthorized: 401, forbidden: 403, conflict: 409 }) as Record<string, number>)[error.kind] ?? 400 : 500;
            return reply.code(status).send({ errors: [error instanceof Error ? error.message : 'error'] });
          });
          scope.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not found.' }));
          scopeContentSecurityPolicy(scope, { defaultSrc: ["'self'"] });
          scope.get('/hello', { config: { access: 'public' } }, async () => ({ hello: 'world' }));
          scope.get('/whoami', async (request) => ({ user_id: principalOf(request).userId }));
          scope.post('/taken', { config: { access: 'public' } }, async () => {
            throw conflict('username_taken', 'That username is taken');
          });
          scope.delete('/session-only', { config: { access: 'session' } }, async () => ({ ok: true }));
        }),
      },
    ],
  });
});
afterAll(() => server?.close());

describe('a module is an encapsulated plugin at its prefix', () => {
  it('answers its own 404 under its prefix, while the API keeps problem+json', async () => {
    const own = await server.request('/legacy/nothing-here');
    expect(own.status).toBe(404);
    expect(await own.json()).toEqual({ detail: 'Not found.' });

    const api = await server.request('/api/v1/nothing-here');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers errors of its routes, the sign-in guard included, in its own shape', async () => {
    const taken = await server.request('/legacy/taken', { method: 'POST' });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toEqual({ errors: ['That username is taken'] });

    const anonymous = await server.request('/legacy/whoami');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await anonymous.json()) as { errors: string[] }).errors).toHaveLength(1);
  });

  it('takes the same credentials as the canonical API once the guard is declared for its scope', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    const res = await server.request('/legacy/whoami', { headers: bearer(tokens.accessToken) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user_id: user.id });

    const pat = await server.request('/api/v1/auth/tokens', { method: 'POST', headers: bearer(tokens.accessToken), json: { name: 'ci', password: user.password } });
    expect(pat.status).toBe(201);
    const { token } = (await pat.json()) as { token: string };
    expect((await server.request('/legacy/whoami', { headers: { authorization: `Token ${token}` } })).status).toBe(200);
    // A route declared `session` refuses a personal access token.
    expect((await server.request('/legacy/session-only', { method: 'DELETE', headers: { authorization: `Token ${token}` } })).status).toBe(403);
    expect((await server.request('/legacy/session-only', { method: 'DELETE', headers: bearer(tokens.accessToken) })).status).toBe(200);
  });

  it('sets its own content-security policy without changing the API’s', async () => {
    const own = await server.request('/legacy/hello');
    expect(own.status).toBe(200);
    expect(own.headers.get('content-security-policy')).toBe("default-src 'self'");

    const api = await server.request('/api/v1/auth/availability?username=someone');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('authentication declared per scope', () => {
  it('guards the HEAD route Fastify derives from a signed-in GET', async () => {
    const res = await server.request('/api/v1/users/me', { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('leaves no route of the canonical API without a guard unless it says it is public', async () => {
    const document = (await (await server.request('/docs/json')).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const open = Object.entries(document.paths)
      .filter(([path]) => !path.startsWith('/legacy'))
      .flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.security === undefined)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    // The routes a signed-out client needs (finishing a second factor and OAuth sign-in included), public avatars, post images by signed URL, operations, and the development outbox (loopback only).
    for (const route of open) expect(route).toMatch(/ \/api\/v1\/auth\/(register|verify-email|verify-email\/resend|login|login\/2fa|login\/2fa\/send|refresh|password\/(forgot|check-code|reset)|availability|providers|oauth\/(\{provider\}(\/callback)?|exchange))$| \/files\/(avatars|posts)\/\{\*\}$| \/(health|ready|metrics|dev\/outbox)$/);
    for (const signedIn of ['GET /api/v1/users/me', 'POST /api/v1/chats', 'GET /api/v1/friends', 'DELETE /api/v1/auth/tokens/{id}']) {
      expect(open).not.toContain(signedIn);
    }
  });
});
