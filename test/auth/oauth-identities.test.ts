import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startOAuthProvider, type LocalOAuthProvider, type ProviderAccount } from '../helpers/oauth-provider.js';
import { APP_URL, codeFrom, exchange, oauthTestEnv, signInThrough, signInWith } from '../helpers/oauth-flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let mail: MailCatcher;
let provider: LocalOAuthProvider;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  provider = await startOAuthProvider();
  server = await startTestServer({ env: { ...oauthTestEnv, ...provider.env, SMTP_URL: mail.url } });
});
afterEach(() => provider.reset());
afterAll(async () => {
  await server?.close();
  await provider?.close();
  await mail?.close();
});

let nextId = 9000;
const providerAccount = (overrides: Partial<ProviderAccount> = {}): ProviderAccount => {
  const login = uniqueName('id');
  return { id: ++nextId, login, name: 'Grace Hopper', email: `${login}@mail.example.test`, emailVerified: true, ...overrides };
};

interface IdentityJson {
  id: number;
  provider: string;
  login: string;
  email: string | null;
  createdAt: string;
}

const api = async <T>(token: string, method: string, path: string, json?: unknown) => {
  const res = await server.request(`/api/v1${path}`, { method, headers: bearer(token), json });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
};
const identities = async (token: string) => (await api<{ items: IdentityJson[] }>(token, 'GET', '/auth/identities')).body.items;
const methods = async (token: string) => (await api<{ signInMethods: string[] }>(token, 'GET', '/users/me')).body.signInMethods;

/**
 * Links `account` at `via` to the user signed in with `token`, as a browser would: the app asks
 * for the provider's URL (the answer sets the state cookie), the browser goes there and comes back.
 */
async function link(token: string, via: string, account: ProviderAccount): Promise<URL> {
  provider.signInAs(account);
  const browser = new Browser();
  const res = await browser.fetch(`${server.url}/api/v1/auth/identities`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ provider: via, redirect: `${APP_URL}/settings` }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  const { redirectUrl } = (await res.json()) as { redirectUrl: string };
  return (await browser.navigate(redirectUrl, (url) => url.origin === APP_URL)).url;
}

describe('linked identities', () => {
  it('lists what signed the account in, and links another provider while signed in, with a mailed notice', async () => {
    const github = providerAccount();
    provider.signInAs(github);
    const signedIn = await signInWith(server, 'github');
    const token = signedIn.accessToken;
    const [listed, ...others] = await identities(token);
    expect(others).toEqual([]);
    expect(listed).toMatchObject({ provider: 'github', login: github.login, email: github.email });
    expect(Number.isInteger(listed!.id)).toBe(true);
    expect(Date.parse(listed!.createdAt)).toBeGreaterThan(0);

    const before = mail.messages.length;
    const fortyTwo = providerAccount({ login: uniqueName('ft') });
    const back = await link(token, '42', fortyTwo);
    expect(back.pathname).toBe('/settings');
    expect(back.searchParams.get('linked')).toBe('42');
    expect(back.searchParams.has('code')).toBe(false);
    expect((await identities(token)).map((i) => [i.provider, i.login])).toEqual([
      ['github', github.login],
      ['42', fortyTwo.login],
    ]);
    expect(await methods(token)).toEqual(['github', '42']);
    const notice = await mail.waitForMail(github.email!, { subject: /42 was linked/, after: before });
    expect(notice.text).toContain(fortyTwo.login);

    // The linked 42 account now signs in to the same account.
    provider.signInAs(fortyTwo);
    expect((await signInWith(server, '42')).user.id).toBe(signedIn.user.id);
  });

  it('refuses to link a provider account that is linked to someone else', async () => {
    const taken = providerAccount();
    provider.signInAs(taken);
    const owner = await signInWith(server, 'github');
    const other = await registerUser(server);
    const tokens = await login(server, other);
    const back = await link(tokens.accessToken, 'github', taken);
    expect(back.searchParams.get('error')).toBe('identity_taken');
    expect(await identities(tokens.accessToken)).toEqual([]);
    expect(await identities(owner.accessToken)).toHaveLength(1);
  });

  it('refuses a second account of a provider already linked, and takes linking the same one again calmly', async () => {
    const first = providerAccount();
    provider.signInAs(first);
    const { accessToken } = await signInWith(server, 'github');
    expect((await link(accessToken, 'github', providerAccount())).searchParams.get('error')).toBe('provider_already_linked');
    expect((await link(accessToken, 'github', first)).searchParams.get('linked')).toBe('github');
    expect(await identities(accessToken)).toHaveLength(1);
  });

  it('unlinks, but never the last way in: an account with no password keeps its only provider', async () => {
    provider.signInAs(providerAccount());
    const { accessToken } = await signInWith(server, 'github');
    const [github] = await identities(accessToken);
    const refused = await api<{ code: string }>(accessToken, 'DELETE', `/auth/identities/${github!.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('last_sign_in_method');
    expect(await methods(accessToken)).toEqual(['github']);

    expect((await link(accessToken, '42', providerAccount())).searchParams.get('linked')).toBe('42');
    expect((await api(accessToken, 'DELETE', `/auth/identities/${github!.id}`)).status).toBe(204);
    expect(await methods(accessToken)).toEqual(['42']);
    const [fortyTwo] = await identities(accessToken);
    expect((await api(accessToken, 'DELETE', `/auth/identities/${fortyTwo!.id}`)).status).toBe(409);
    expect(await methods(accessToken)).toEqual(['42']);
  });

  it('unlinks the only provider of an account that has a password', async () => {
    const user = await registerUser(server);
    const tokens = await login(server, user);
    await link(tokens.accessToken, 'github', providerAccount());
    expect(await methods(tokens.accessToken)).toEqual(['password', 'github']);
    const [github] = await identities(tokens.accessToken);
    expect((await api(tokens.accessToken, 'DELETE', `/auth/identities/${github!.id}`)).status).toBe(204);
    expect(await methods(tokens.accessToken)).toEqual(['password']);
    expect(await identities(tokens.accessToken)).toEqual([]);
  });

  it('does not let anyone touch another account’s identities: 404', async () => {
    provider.signInAs(providerAccount());
    const owner = await signInWith(server, 'github');
    const [identity] = await identities(owner.accessToken);
    const other = await login(server, await registerUser(server));
    expect((await api(other.accessToken, 'DELETE', `/auth/identities/${identity!.id}`)).status).toBe(404);
    expect(await identities(owner.accessToken)).toHaveLength(1);
  });

  it('needs a session: anonymous callers get 401, personal access tokens 403', async () => {
    expect((await server.request('/api/v1/auth/identities')).status).toBe(401);
    const user = await registerUser(server);
    const tokens = await login(server, user);
    const created = await api<{ token: string }>(tokens.accessToken, 'POST', '/auth/tokens', { name: 'ci', password: user.password });
    const pat = { authorization: `Token ${created.body.token}` };
    expect((await server.request('/api/v1/auth/identities', { headers: pat })).status).toBe(403);
    const start = await server.request('/api/v1/auth/identities', { method: 'POST', headers: pat, json: { provider: 'github' } });
    expect(start.status).toBe(403);
  });

  it('may come back to a page of this server itself (the web client it serves), as a sign-in may', async () => {
    const tokens = await login(server, await registerUser(server));
    const res = await server.request('/api/v1/auth/identities', { method: 'POST', headers: bearer(tokens.accessToken), json: { provider: 'github', redirect: `${server.url}/settings` } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { redirectUrl: string }).redirectUrl).toMatch(/^http/);
  });

  it('refuses bad input', async () => {
    const tokens = await login(server, await registerUser(server));
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/auth/identities', { provider: 'github', redirect: 'https://evil.example/' }, 400, 'redirect_not_allowed'],
      ['POST', '/auth/identities', { provider: 'gitlab' }, 404, 'provider_not_found'],
      ['POST', '/auth/identities', { provider: 'github', extra: true }, 400, 'validation_failed'],
      ['POST', '/auth/identities', {}, 400, 'validation_failed'],
      ['DELETE', '/auth/identities/abc', undefined, 400, 'validation_failed'],
      ['DELETE', '/auth/identities/999999', undefined, 404, 'identity_not_found'],
    ];
    for (const [method, path, json, status, code] of cases) {
      const res = await server.request(`/api/v1${path}`, { method, headers: bearer(tokens.accessToken), json });
      expect(res.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(status);
      expect((await problem(res)).code).toBe(code);
    }
  });
});

describe('the 42 intranet', () => {
  it('creates an account from /v2/me, with the address unverified (42 does not vouch for it)', async () => {
    const account = providerAccount({ picture: true });
    provider.signInAs(account);
    const signedIn = await signInWith(server, '42');
    expect(signedIn.user).toMatchObject({ username: account.login, email: account.email, emailVerified: false, signInMethods: ['42'] });
    expect(provider.tokenRequests.at(-1)).toMatchObject({ provider: '42', pkce: 'ok' });
    expect(provider.pictureRequests).toContain(`/pictures/${account.id}.png`);
  });

  it('so it never links by address, even to a verified account', async () => {
    const user = await registerUser(server);
    await server.app.database.db.updateTable('users').set({ email_verified_at: Date.now() }).where('id', '=', user.id).execute();
    provider.signInAs(providerAccount({ email: user.email }));
    const ended = await signInThrough(server, new Browser(), '42');
    expect(ended.url.searchParams.get('error')).toBe('account_exists');
  });

  it('answers a refused code with 400 invalid_grant, which is code_rejected here', async () => {
    provider.signInAs(providerAccount());
    const browser = new Browser();
    const start = await browser.fetch(`${server.url}/api/v1/auth/oauth/42`);
    const atProvider = await browser.fetch(start.headers.get('location')!);
    const callback = new URL(atProvider.headers.get('location')!);
    callback.searchParams.set('code', 'not-a-code');
    const res = await browser.fetch(callback.href, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('code_rejected');
  });
});

describe('a second factor on an account made by a provider', () => {
  it('makes the exchange answer the challenge instead of a session', async () => {
    provider.signInAs(providerAccount());
    const { accessToken } = await signInWith(server, 'github');
    const enabled = await api<unknown>(accessToken, 'POST', '/auth/2fa/email/enable', {});
    expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
    expect(await methods(accessToken)).toEqual(['email', 'github']);

    const res = await exchange(server, { code: codeFrom(await signInThrough(server, new Browser(), 'github')) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { twoFactorRequired?: boolean; methods?: string[]; accessToken?: string };
    expect(body.twoFactorRequired).toBe(true);
    expect(body.methods).toContain('email');
    expect(body.accessToken).toBeUndefined();
  });

  it('finishes with the mailed code, and a trusted device then skips it on the next provider sign-in', async () => {
    const account = providerAccount();
    provider.signInAs(account);
    const { accessToken } = await signInWith(server, 'github');
    expect((await api(accessToken, 'POST', '/auth/2fa/email/enable', {})).status).toBe(200);

    const first = (await (await exchange(server, { code: codeFrom(await signInThrough(server, new Browser(), 'github')) })).json()) as { challenge: string };
    const count = mail.messages.length;
    expect((await server.request('/api/v1/auth/login/2fa/send', { method: 'POST', json: { challenge: first.challenge } })).status).toBeLessThan(300);
    const code = /^\s*(\d{6})\s*$/m.exec((await mail.waitForMail(account.email!, { subject: /sign-in code/i, after: count })).text)?.[1];
    const finished = await server.request('/api/v1/auth/login/2fa', { method: 'POST', json: { challenge: first.challenge, method: 'email', code, trustDevice: true } });
    expect(finished.status, await finished.clone().text()).toBe(200);
    const { trustedDeviceToken } = (await finished.json()) as { trustedDeviceToken: string };
    expect(trustedDeviceToken).toBeTruthy();

    const again = await exchange(server, { code: codeFrom(await signInThrough(server, new Browser(), 'github')), trustedDeviceToken });
    const body = (await again.json()) as { accessToken?: string; twoFactorRequired?: boolean };
    expect(body.twoFactorRequired).toBeUndefined();
    expect(body.accessToken).toBeTruthy();
  });
});
