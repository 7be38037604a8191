import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { APP_URL, oauthTestEnv, signInThrough, signInWith } from '../helpers/oauth-flow.js';
import { startOpenIdProvider, type LocalOpenIdProvider, type OpenIdAccount } from '../helpers/openid-provider.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let oidc: LocalOpenIdProvider;
let server: TestServer;
beforeAll(async () => {
  oidc = await startOpenIdProvider();
  server = await startTestServer({ env: { ...oauthTestEnv, ...oidc.env } });
  oidc.register(`${server.url}/api/v1/auth/oauth/oidc/callback`);
});
afterAll(async () => {
  await server?.close();
  await oidc?.close();
});

const person = (overrides: Partial<OpenIdAccount> = {}): OpenIdAccount => {
  const name = uniqueName('sso');
  return { sub: `sub-${name}`, email: `${name}@corp.example.test`, emailVerified: true, name: 'Katherine Johnson', preferredUsername: name, ...overrides };
};
const userCount = async () => Number((await server.app.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('a generic OpenID Connect provider', () => {
  it('is listed under its configured name', async () => {
    expect(await (await server.request('/api/v1/auth/providers')).json()).toEqual({ items: [{ id: 'oidc', name: 'Local SSO' }] });
  });

  it('sends the browser to the discovered authorization endpoint with PKCE', async () => {
    const res = await server.request('/api/v1/auth/oauth/oidc', { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(oidc.issuer);
    expect(to.searchParams.get('scope')).toBe('openid email profile');
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('creates an account from the checked ID token and userinfo, then signs the same person in to it again', async () => {
    const who = person({ picture: true });
    oidc.signInAs(who);
    const first = await signInWith(server, 'oidc');
    expect(first.user).toMatchObject({ username: who.preferredUsername, email: who.email, emailVerified: true, firstName: 'Katherine', lastName: 'Johnson' });
    expect(first.user.signInMethods).toEqual(['oidc']);
    const me = (await (await server.request('/api/v1/users/me', { headers: bearer(first.accessToken) })).json()) as { avatar: { isDefault: boolean } };
    expect(me.avatar.isDefault).toBe(false);

    const again = await signInWith(server, 'oidc');
    expect(again.user.id).toBe(first.user.id);
  });

  it('links an account whose verified address the provider verified too', async () => {
    const user = await registerUser(server);
    await server.app.database.db.updateTable('users').set({ email_verified_at: Date.now() }).where('id', '=', user.id).execute();
    oidc.signInAs(person({ email: user.email }));
    const signedIn = await signInWith(server, 'oidc');
    expect(signedIn.user.id).toBe(user.id);
    expect(signedIn.user.signInMethods).toEqual(['password', 'oidc']);
  });

  it('does not link by an address the provider says is unverified', async () => {
    const user = await registerUser(server);
    await server.app.database.db.updateTable('users').set({ email_verified_at: Date.now() }).where('id', '=', user.id).execute();
    const before = await userCount();
    oidc.signInAs(person({ email: user.email, emailVerified: false }));
    const ended = await signInThrough(server, new Browser(), 'oidc');
    expect(ended.url.origin).toBe(APP_URL);
    expect(ended.url.searchParams.get('error')).toBe('account_exists');
    expect(await userCount()).toBe(before);
  });

  it('refuses a code injected into another sign-in: the provider checks the PKCE verifier', async () => {
    oidc.signInAs(person());
    const before = await userCount();
    const browser = new Browser();
    const toCallback = async () => {
      const start = await browser.fetch(`${server.url}/api/v1/auth/oauth/oidc`);
      return (await browser.navigate(start.headers.get('location')!, (url) => url.pathname.endsWith('/oidc/callback'))).url;
    };
    const stolen = (await toCallback()).searchParams.get('code')!;
    const victim = await toCallback();
    victim.searchParams.set('code', stolen);
    const res = await browser.fetch(victim.href, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('code_rejected');
    expect(await userCount()).toBe(before);
  });

  it('sends the browser back with error=access_denied when the provider does not sign anyone in', async () => {
    oidc.signInAs(undefined);
    const ended = await signInThrough(server, new Browser(), 'oidc');
    expect(ended.url.searchParams.get('error')).toBe('access_denied');
    expect(ended.url.searchParams.has('code')).toBe(false);
  });

  it('answers 502 provider_unavailable when the issuer cannot be reached for discovery', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const offline = await startTestServer({ env: { ...oauthTestEnv, ...oidc.env, OIDC_ISSUER: `http://127.0.0.1:${closedPort}` } });
    try {
      const res = await offline.request('/api/v1/auth/oauth/oidc', { redirect: 'manual' });
      expect(res.status).toBe(502);
      expect((await problem(res)).code).toBe('provider_unavailable');
      expect(await offline.app.database.db.selectFrom('oauth_states').select('id').execute()).toEqual([]);
    } finally {
      await offline.close();
    }
  });
});
