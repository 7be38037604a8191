import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startOAuthProvider, type LocalOAuthProvider } from '../helpers/oauth-provider.js';
import { oauthTestEnv } from '../helpers/oauth-flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { claimsOf } from './helpers.js';

let provider: LocalOAuthProvider;
let server: TestServer;
beforeAll(async () => {
  provider = await startOAuthProvider();
  server = await startTestServer({ env: { ...oauthTestEnv, ...provider.env, COMPAT_DIALECTS: '000' } });
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

describe('000: oauth/authorize', () => {
  it('signs in through 42 and ends with the document\'s tokens: a new account, registered and connected', async () => {
    const login = uniqueName('ft');
    provider.signInAs({ id: 4242, login, name: 'Forty Two', email: `${login}@student.example.test`, emailVerified: true });
    const browser = new Browser();
    const { url, response } = await browser.navigate(`${server.url}/compat/000/oauth/authorize`, () => false);
    expect(url.pathname).toBe('/compat/000/oauth/authorize');
    expect(response?.status).toBe(200);
    const body = (await response!.json()) as { access_token: string; refresh_token: string; token_auth: string };
    expect(body.token_auth).toMatch(/^[0-9a-f]{40}$/);
    const profile = await server.request('/compat/000/users/profile/', { headers: { authorization: `Token ${body.token_auth}` } });
    expect(await profile.json()).toMatchObject({ id: claimsOf(body.access_token).user_id, username: login });
    // The one-time code from the callback works once.
    const again = await server.request(`/compat/000/oauth/authorize?code=${url.searchParams.get('code')}`);
    expect(again.status).toBe(400);
  });

  it('answers a refused sign-in with a JSON 400, and never redirects to another site', async () => {
    const refused = await server.request('/compat/000/oauth/authorize?error=access_denied');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ detail: expect.stringContaining('access_denied') });
    const start = await server.request('/compat/000/oauth/authorize', { redirect: 'manual' });
    expect(start.status).toBe(302);
    expect(start.headers.get('location')).toMatch(/^\/api\/v1\/auth\/oauth\/42\?redirect=/);
    const elsewhere = await server.request(`/api/v1/auth/oauth/42?redirect=${encodeURIComponent('https://evil.example/compat/000/oauth/authorize')}`, { redirect: 'manual' });
    expect(elsewhere.status).toBe(400);
  });
});
