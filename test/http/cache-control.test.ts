import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerUser } from '../helpers/accounts.js';
import { multipart } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  token = (await login(server, await registerUser(server))).accessToken;
});
afterAll(() => server?.close());

async function cacheControlOf(path: string, init: RequestInit & { json?: unknown } = {}) {
  const res = await server.request(path, init);
  await res.arrayBuffer();
  return { status: res.status, type: res.headers.get('content-type'), cacheControl: res.headers.get('cache-control') };
}

describe('Cache-Control', () => {
  it('is no-store on JSON answers to signed-in requests, so no shared or disk cache keeps personal data', async () => {
    for (const path of ['/api/v1/users/me', '/api/v1/chats', '/api/v1/auth/sessions']) {
      const answer = await cacheControlOf(path, { headers: bearer(token) });
      expect(answer, path).toMatchObject({ status: 200, type: expect.stringMatching(/^application\/json/) as unknown, cacheControl: 'no-store' });
    }
  });

  it('is no-store on answers that carry credentials, though the request had none', async () => {
    const user = await registerUser(server);
    const answer = await cacheControlOf('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } });
    expect(answer).toMatchObject({ status: 200, cacheControl: 'no-store' });
  });

  it('is no-store on every problem+json answer', async () => {
    for (const [path, init, status] of [
      ['/api/v1/users/me', {}, 401],
      ['/api/v1/nothing-here', {}, 404],
      ['/api/v1/auth/login', { method: 'POST', json: {} }, 400],
      ['/files/u/nothing/here.bin', {}, 404],
      ['/files/avatars/default/v1/nothing/512.webp', {}, 404],
    ] as const) {
      const answer = await cacheControlOf(path, init);
      expect(answer, path).toMatchObject({ status, type: expect.stringMatching(/^application\/problem\+json/) as unknown, cacheControl: 'no-store' });
    }
  });

  it('leaves files and avatars their own caching', async () => {
    const { body, contentType } = multipart([{ name: 'file', filename: 'a.bin', data: Buffer.from('some bytes') }]);
    const upload = await server.request('/api/v1/uploads', { method: 'POST', headers: { 'content-type': contentType, ...bearer(token) }, body });
    expect((await cacheControlOf(((await upload.json()) as { url: string }).url)).cacheControl).toMatch(/^private, max-age=\d+, immutable$/);

    const me = (await (await server.request('/api/v1/users/me', { headers: bearer(token) })).json()) as { avatar: { large: string } };
    expect((await cacheControlOf(me.avatar.large)).cacheControl).toBe('public, max-age=31536000, immutable');
  });
});
