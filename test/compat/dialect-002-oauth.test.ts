import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startOAuthProvider, type LocalOAuthProvider } from '../helpers/oauth-provider.js';
import { APP_URL, oauthTestEnv } from '../helpers/oauth-flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call, claimsOf } from './helpers.js';

let provider: LocalOAuthProvider;
let server: TestServer;
beforeAll(async () => {
  provider = await startOAuthProvider();
  server = await startTestServer({ env: { ...oauthTestEnv, ...provider.env, COMPAT_DIALECTS: '002' } });
});
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

const at = (path: string) => `/compat/002${path}`;

describe('002: sign-in with GitHub and 42', () => {
  for (const [service, id] of [
    ['github', 'github'],
    ['42api', '42'],
  ] as const) {
    it(`answers {"redirection_url"} for ${service}; the callback sends the browser to source with the refresh token in a cookie`, async () => {
      const login = uniqueName('oa');
      provider.signInAs({ id: 7000 + login.length, login, name: 'Someone', email: `${login}@example.test`, emailVerified: true });
      const source = `${APP_URL}/after-login?x=1`;
      const start = await call(server, at(`/user/oauth/${service}/?source=${encodeURIComponent(source)}`));
      expect(start.status).toBe(200);
      expect(start.body).toEqual({ redirection_url: expect.stringContaining(`/api/v1/auth/oauth/${id}?redirect=`) });

      const browser = new Browser();
      const { url } = await browser.navigate(start.body.redirection_url, (u) => u.origin === APP_URL);
      expect(url.href).toBe(source);
      const refresh = browser.cookie(new URL(server.url).host, 'refresh_token');
      expect(refresh).toBeDefined();
      const access = (await call(server, at('/user/refresh-access-jwt/'), { method: 'POST', json: { refresh_token: refresh } })).body.access_token as string;
      const me = await call(server, at('/user/me/'), { headers: { authorization: access } });
      expect(me.body).toMatchObject({ id: claimsOf(refresh!).user_id, email: `${login}@example.test` });
    });
  }

  it('refuses an unknown service, a source that is not an http(s) URL of the app, and a used or refused callback', async () => {
    const unknown = await call(server, at(`/user/oauth/google/?source=${encodeURIComponent(APP_URL)}`));
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ errors: ['Unknown auth service'] });
    for (const source of ['www.example.test', 'javascript:alert(1)', 'https://evil.example/', '']) {
      const res = await call(server, at(`/user/oauth/github/?source=${encodeURIComponent(source)}`));
      expect(res.status, source).toBe(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
    expect((await call(server, at('/user/oauth/github/'))).status).toBe(400);
    const refused = await call(server, at(`/user/oauth/callback/github/?error=access_denied&source=${encodeURIComponent(APP_URL)}`));
    expect(refused.status).toBe(400);
    const forged = await call(server, at(`/user/oauth/callback/github/?code=made-up&source=${encodeURIComponent(APP_URL)}`));
    expect(forged.status).toBe(400);
    expect(forged.body.errors).toEqual([expect.any(String)]);
    const elsewhere = await call(server, at(`/user/oauth/callback/github/?code=made-up&source=${encodeURIComponent('https://evil.example/')}`));
    expect(elsewhere.status).toBe(400);
  });
});
