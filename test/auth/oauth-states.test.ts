import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { problem, uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startOAuthProvider, type LocalOAuthProvider, type ProviderAccount } from '../helpers/oauth-provider.js';
import { APP_URL, codeFrom, exchange, oauthTestEnv, signInThrough } from '../helpers/oauth-flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const clock = new TestClock();
let provider: LocalOAuthProvider;
let server: TestServer;
beforeAll(async () => {
  provider = await startOAuthProvider();
  server = await startTestServer({
    env: { ...oauthTestEnv, ...provider.env, OAUTH_TIMEOUT_MS: '500', CORS_ORIGINS: 'https://web.example.test', OAUTH_REDIRECT_ORIGINS: 'http://127.0.0.1:5173, https://other.example.test' },
    clock,
  });
});
afterEach(() => provider.reset());
afterAll(async () => {
  await server?.close();
  await provider?.close();
});

let nextId = 5000;
const account = (): ProviderAccount => {
  const login = uniqueName('st');
  return { id: ++nextId, login, email: `${login}@mail.example.test`, emailVerified: true };
};
const userCount = async () => Number((await server.app.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const identityCount = async () => Number((await server.app.database.db.selectFrom('identities').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Starts a sign-in in `browser` and lets the provider answer, stopping before the callback: its URL. */
async function callbackUrl(browser: Browser, via = 'github'): Promise<URL> {
  const start = await browser.fetch(`${server.url}/api/v1/auth/oauth/${via}?redirect=${encodeURIComponent(`${APP_URL}/back`)}`);
  expect(start.status, await start.clone().text()).toBe(302);
  const atProvider = await browser.fetch(start.headers.get('location')!);
  expect(atProvider.status).toBe(302);
  return new URL(atProvider.headers.get('location')!);
}

/** Opens the callback as a browser would; the answer is the redirect or the problem. */
const openCallback = (browser: Browser, url: URL, accept?: string) => browser.fetch(url.href, accept ? { headers: { accept } } : {});
const redirectedTo = (res: Response) => new URL(res.headers.get('location')!);

describe('the state', () => {
  it('is required: a callback without one is 400 state_missing', async () => {
    const browser = new Browser();
    const url = await callbackUrl(browser);
    url.searchParams.delete('state');
    const res = await openCallback(browser, url);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('state_missing');
  });

  it('must be one we issued: a forged one is 400 invalid_state, and nothing reaches the provider', async () => {
    const browser = new Browser();
    const url = await callbackUrl(browser);
    const tokenRequests = provider.tokenRequests.length;
    url.searchParams.set('state', 'f'.repeat(43));
    const res = await openCallback(browser, url);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('invalid_state');
    expect(provider.tokenRequests.length).toBe(tokenRequests);
  });

  it('works once: the same callback opened again is 400 invalid_state', async () => {
    provider.signInAs(account());
    const browser = new Browser();
    const url = await callbackUrl(browser);
    const first = await openCallback(browser, url);
    expect(first.status).toBe(302);
    expect(redirectedTo(first).searchParams.get('code')).toBeTruthy();
    const again = await openCallback(browser, url);
    expect(again.status).toBe(400);
    expect((await problem(again)).code).toBe('invalid_state');
  });

  it('belongs to the browser that started it: another browser gets 400 state_mismatch and no sign-in', async () => {
    provider.signInAs(account());
    const users = await userCount();
    const url = await callbackUrl(new Browser());
    const elsewhere = new Browser();
    const res = await openCallback(elsewhere, url);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('state_mismatch');
    // Nor does a browser whose state cookie was tampered with.
    const tampered = new Browser();
    const second = await callbackUrl(tampered);
    tampered.setCookie(new URL(server.url).host, 'msg_oauth', 'x'.repeat(43));
    expect((await problem(await openCallback(tampered, second))).code).toBe('state_mismatch');
    expect(await userCount()).toBe(users);
  });

  it('is for its provider only', async () => {
    const browser = new Browser();
    const url = await callbackUrl(browser, 'github');
    const wrong = new URL(url.href.replace('/oauth/github/callback', '/oauth/42/callback'));
    const res = await openCallback(browser, wrong);
    expect(res.status).toBe(400);
    expect((await problem(res)).code).toBe('invalid_state');
  });

  it('expires after 10 minutes: the browser goes back with error=state_expired', async () => {
    provider.signInAs(account());
    const browser = new Browser();
    const url = await callbackUrl(browser);
    clock.advance(10 * 60_000 + 1000);
    try {
      const res = await openCallback(browser, url);
      expect(res.status).toBe(302);
      expect(redirectedTo(res).searchParams.get('error')).toBe('state_expired');
      expect(redirectedTo(res).searchParams.has('code')).toBe(false);
    } finally {
      clock.advance(-(10 * 60_000 + 1000));
    }
  });

  it('lets two sign-ins started in two tabs of one browser both finish', async () => {
    provider.signInAs(account());
    const browser = new Browser();
    const first = await callbackUrl(browser);
    const second = await callbackUrl(browser);
    expect((await openCallback(browser, second)).status).toBe(302);
    const res = await openCallback(browser, first);
    expect(res.status).toBe(302);
    expect(redirectedTo(res).searchParams.get('code')).toBeTruthy();
  });
});

describe('PKCE', () => {
  it('binds the code to its sign-in: a code injected into another sign-in is refused by the provider, nothing created', async () => {
    provider.signInAs(account());
    const users = await userCount();
    const browser = new Browser();
    const stolen = (await callbackUrl(browser)).searchParams.get('code')!;
    const victim = await callbackUrl(browser);
    victim.searchParams.set('code', stolen);
    const res = await openCallback(browser, victim);
    expect(res.status).toBe(302);
    expect(redirectedTo(res).searchParams.get('error')).toBe('code_rejected');
    expect(provider.tokenRequests.at(-1)?.pkce).toBe('mismatch');
    expect(await userCount()).toBe(users);
  });
});

describe('the provider saying no, or failing', () => {
  it('access_denied: back to the app with error=access_denied; a JSON client gets 403', async () => {
    provider.switches.denyAccess = true;
    const ended = await signInThrough(server, new Browser(), 'github');
    expect(ended.url.origin).toBe(APP_URL);
    expect(ended.url.searchParams.get('error')).toBe('access_denied');

    const browser = new Browser();
    const res = await openCallback(browser, await callbackUrl(browser), 'application/json');
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('access_denied');
  });

  it('a token endpoint that times out: 502 provider_unavailable, nothing created', async () => {
    provider.signInAs(account());
    provider.switches.tokenDelayMs = 1500;
    const users = await userCount();
    const identities = await identityCount();
    const browser = new Browser();
    const res = await openCallback(browser, await callbackUrl(browser), 'application/json');
    expect(res.status).toBe(502);
    expect((await problem(res)).code).toBe('provider_unavailable');

    const ended = await signInThrough(server, new Browser(), 'github');
    expect(ended.url.searchParams.get('error')).toBe('provider_unavailable');
    expect(await userCount()).toBe(users);
    expect(await identityCount()).toBe(identities);
  });

  it('a token endpoint that answers 500, or a profile endpoint that does: 502 provider_unavailable, nothing created', async () => {
    provider.signInAs(account());
    const users = await userCount();
    provider.switches.tokenStatus = 500;
    let browser = new Browser();
    let res = await openCallback(browser, await callbackUrl(browser), 'application/json');
    expect(res.status).toBe(502);
    expect((await problem(res)).code).toBe('provider_unavailable');

    provider.reset();
    provider.switches.profileStatus = 500;
    browser = new Browser();
    res = await openCallback(browser, await callbackUrl(browser), 'application/json');
    expect(res.status).toBe(502);
    expect(await userCount()).toBe(users);
  });

  it('a callback without a code: back with error=code_missing', async () => {
    const browser = new Browser();
    const url = await callbackUrl(browser);
    url.searchParams.delete('code');
    const res = await openCallback(browser, url);
    expect(redirectedTo(res).searchParams.get('error')).toBe('code_missing');
  });
});

describe('the redirect', () => {
  const start = (redirect: string, headers: Record<string, string> = {}) =>
    server.request(`/api/v1/auth/oauth/github?redirect=${encodeURIComponent(redirect)}`, { redirect: 'manual', headers });

  it('must be on an allowed origin: a foreign one is 400 redirect_not_allowed, and no state is made', async () => {
    const states = async () => Number((await server.app.database.db.selectFrom('oauth_states').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await states();
    for (const redirect of [
      'https://evil.example/steal',
      'https://app.example.test.evil.example/',
      'https://app.example.test@evil.example/',
      'http://app.example.test/',
      'javascript:alert(1)',
      '/relative/path',
      '//evil.example/x',
      'myapp://elsewhere',
    ]) {
      const res = await start(redirect);
      expect(res.status, redirect).toBe(400);
      expect((await problem(res)).code).toBe('redirect_not_allowed');
    }
    expect(await states()).toBe(before);
  });

  it('may be on APP_URL, a CORS origin or OAUTH_REDIRECT_ORIGINS, and the browser is sent back exactly there', async () => {
    for (const redirect of [`${APP_URL}/x`, 'https://web.example.test/after?x=1', 'http://127.0.0.1:5173/cb']) {
      expect((await start(redirect)).status, redirect).toBe(302);
    }
    provider.signInAs(account());
    const browser = new Browser();
    const ended = await browser.navigate(`${server.url}/api/v1/auth/oauth/github?redirect=${encodeURIComponent('https://web.example.test/after?x=1#top')}`, (url) => url.origin === 'https://web.example.test');
    expect(ended.url.pathname).toBe('/after');
    expect(ended.url.searchParams.get('x')).toBe('1');
    expect(ended.url.searchParams.get('code')).toBeTruthy();
    expect(ended.url.hash).toBe('#top');
  });

  it('defaults to APP_URL', async () => {
    provider.signInAs(account());
    const ended = await new Browser().navigate(`${server.url}/api/v1/auth/oauth/github`, (url) => url.origin === APP_URL);
    expect(ended.url.searchParams.get('code')).toBeTruthy();
  });
});

describe('bad input', () => {
  it('refuses malformed provider names, unknown ones, unknown and oversized parameters', async () => {
    const get = (path: string) => server.request(path, { redirect: 'manual' });
    const cases: Array<[string, number]> = [
      ['/api/v1/auth/oauth/GitHub!', 400],
      [`/api/v1/auth/oauth/${'a'.repeat(33)}`, 400],
      ['/api/v1/auth/oauth/gitlab', 404],
      ['/api/v1/auth/oauth/github?redirect=', 400],
      [`/api/v1/auth/oauth/github?redirect=${'a'.repeat(2049)}`, 400],
      ['/api/v1/auth/oauth/github?next=/x', 400],
      ['/api/v1/auth/oauth/github/callback?code=x&state=y&unexpected=1', 400],
      [`/api/v1/auth/oauth/github/callback?code=x&state=${'s'.repeat(201)}`, 400],
      ['/api/v1/auth/oauth/gitlab/callback?code=x&state=y', 404],
    ];
    for (const [path, status] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      await problem(res);
    }
  });

  it('an exchange code expires after a minute', async () => {
    provider.signInAs(account());
    const code = codeFrom(await signInThrough(server, new Browser(), 'github'));
    clock.advance(61_000);
    try {
      const res = await exchange(server, { code });
      expect(res.status).toBe(400);
      expect((await problem(res)).code).toBe('invalid_code');
    } finally {
      clock.advance(-61_000);
    }
  });

  it('limits sign-in starts per client address', async () => {
    const limited = await startTestServer({ env: { ...provider.env, APP_URL, RATE_LIMIT_OAUTH_START: '2/1m' } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.request('/api/v1/auth/oauth/github', { redirect: 'manual' })).status);
      expect(statuses).toEqual([302, 302, 429]);
    } finally {
      await limited.close();
    }
  });
});
