import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, problem, registerUser } from '../helpers/accounts.js';
import { multipart } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_FILES: '4/1m' } });
  token = (await login(server, await registerUser(server))).accessToken;
});
afterAll(() => server?.close());

async function statusOf(url: string) {
  const res = await server.request(url);
  await res.arrayBuffer();
  return res.status;
}

async function expectLimited(url: string) {
  const res = await server.request(url);
  expect(res.status, url).toBe(429);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect((await problem(res)).code).toBe('rate_limited');
}

describe('RATE_LIMIT_FILES', () => {
  it('limits avatar downloads per address, found or not, and answers 429 with Retry-After past it', async () => {
    expect(await statusOf('/files/avatars/default/v1/AB-1/512.webp')).toBe(200);
    expect(await statusOf('/files/avatars/default/v1/CD-2/128.webp')).toBe(200);
    expect(await statusOf('/files/avatars/default/v1/made-up/512.webp')).toBe(404);
    expect(await statusOf('/files/avatars/default/v1/EF-3/512.webp')).toBe(200);
    await expectLimited('/files/avatars/default/v1/GH-4/512.webp');
    await expectLimited('/files/avatars/default/v1/AB-1/512.webp');
  });

  it('limits file downloads per address, signed or probing', async () => {
    const { body, contentType } = multipart([{ name: 'file', filename: 'a.txt', data: 'hello' }]);
    const upload = await server.request('/api/v1/uploads', { method: 'POST', headers: { 'content-type': contentType, ...bearer(token) }, body });
    const url = ((await upload.json()) as { url: string }).url;
    expect(await statusOf(url)).toBe(200);
    expect(await statusOf(url)).toBe(200);
    expect(await statusOf('/files/u/probe/a.txt?exp=1&sig=x')).toBe(404);
    expect(await statusOf('/files/u/probe/b.txt')).toBe(404);
    await expectLimited(url);
  });
});
