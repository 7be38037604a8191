import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, memoryTokenStore, webStorageTokenStore, type StoredSession } from '../../sdk/src/index.js';
import { bearer, login, registerUser } from '../helpers/accounts.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { cookieJarFetch, countingFetch, expiredAccessToken, sdk } from './helpers.js';

const AUTH_SECRET = randomBytes(32).toString('hex');
const clock = new TestClock();
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { AUTH_SECRET }, clock });
});
afterAll(() => server?.close());

/** localStorage, as far as the store uses it. */
function fakeStorage() {
  const items = new Map<string, string>();
  return { items, getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
}

describe('password sign-in', () => {
  it('signs in with the username or the e-mail, keeps the tokens in the store and sends them on each call', async () => {
    const user = await registerUser(server);
    for (const name of [user.username, user.email]) {
      const storage = fakeStorage();
      const client = sdk(server, { tokenStore: webStorageTokenStore(storage) });
      const sessions: Array<StoredSession | null> = [];
      client.on('session', (s) => sessions.push(s));
      const result = await client.login({ login: name, password: user.password });
      expect(result).toMatchObject({ status: 'signedIn', user: { id: user.id, username: user.username } });
      expect(sessions).toHaveLength(1);
      expect(JSON.parse(storage.items.get('messenger.session')!)).toMatchObject({ mode: 'tokens', sessionId: sessions[0]!.sessionId });

      const me = await client.unwrap(client.api.GET('/api/v1/users/me'));
      expect(me.id).toBe(user.id);
      // Another client on the same storage (a reloaded page) is signed in too.
      const reloaded = sdk(server, { tokenStore: webStorageTokenStore(storage) });
      expect((await reloaded.unwrap(reloaded.api.GET('/api/v1/users/me'))).username).toBe(user.username);

      await client.logout();
      expect(storage.items.has('messenger.session')).toBe(false);
      const after = await reloaded.api.GET('/api/v1/users/me');
      expect(after.response.status).toBe(401);
    }
  });

  it('throws ApiError with the problem for a wrong password, and stays signed out', async () => {
    const user = await registerUser(server);
    const client = sdk(server);
    const failure = await client.login({ login: user.username, password: 'not-the-password-9' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(await client.isSignedIn()).toBe(false);
  });
});

describe('second factor', () => {
  const STEP_MS = 30_000;
  const totp = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });

  it('answers a challenge, finished with an authenticator code, a trusted device, or a recovery code', async () => {
    const user = await registerUser(server);
    const client = sdk(server);
    await client.login({ login: user.username, password: user.password });
    const setup = await client.unwrap(client.api.POST('/api/v1/auth/2fa/totp/setup', { body: { password: user.password } }));
    const { recoveryCodes } = await client.unwrap(client.api.POST('/api/v1/auth/2fa/totp/enable', { body: { code: totp(setup.secret) } }));
    clock.advance(STEP_MS);

    const fresh = sdk(server);
    const challenge = await fresh.login({ login: user.username, password: user.password });
    expect(challenge).toMatchObject({ status: 'twoFactorRequired', methods: ['totp', 'recovery'] });
    expect(await fresh.isSignedIn()).toBe(false);
    if (challenge.status !== 'twoFactorRequired') throw new Error('expected a challenge');
    const wrong = await fresh.finishLogin({ challenge: challenge.challenge, method: 'totp', code: '000000' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'invalid_code' });
    const done = await fresh.finishLogin({ challenge: challenge.challenge, method: 'totp', code: totp(setup.secret), trustDevice: true });
    expect(done).toMatchObject({ status: 'signedIn', user: { id: user.id } });
    if (done.status !== 'signedIn') throw new Error('expected to be signed in');
    expect(done.trustedDeviceToken).toEqual(expect.any(String));
    expect((await fresh.unwrap(fresh.api.GET('/api/v1/auth/2fa'))).totp.enabled).toBe(true);

    // The trusted device skips the code; a recovery code finishes a challenge too.
    const trusted = await sdk(server).login({ login: user.username, password: user.password, trustedDeviceToken: done.trustedDeviceToken! });
    expect(trusted.status).toBe('signedIn');
    const other = sdk(server);
    const second = await other.login({ login: user.username, password: user.password });
    if (second.status !== 'twoFactorRequired') throw new Error('expected a challenge');
    expect((await other.finishLogin({ challenge: second.challenge, method: 'recovery', code: recoveryCodes[0]! })).status).toBe('signedIn');
    expect(await other.isSignedIn()).toBe(true);
  });
});

describe('cookie mode', () => {
  it('signs in with the session cookie, echoes the CSRF token on unsafe calls, and signs out', async () => {
    const user = await registerUser(server);
    const browser = cookieJarFetch();
    const counted = countingFetch(browser.fetch);
    const csrfSent: Array<string | null> = [];
    const client = sdk(server, {
      auth: 'cookie',
      fetch: (input) => {
        csrfSent.push(input.headers.get('x-csrf-token'));
        expect(input.headers.get('authorization')).toBeNull();
        return counted.fetch(input);
      },
    });
    const result = await client.login({ login: user.username, password: user.password });
    expect(result.status).toBe('signedIn');
    expect(browser.jar.has('msg_session')).toBe(true);
    const session = await client.session.session();
    expect(session).toMatchObject({ mode: 'cookie', csrfToken: browser.jar.get('msg_csrf') });

    expect((await client.unwrap(client.api.GET('/api/v1/users/me'))).id).toBe(user.id);
    expect(csrfSent.at(-1)).toBeNull();
    const patched = await client.unwrap(client.api.PATCH('/api/v1/users/me', { body: { bio: 'from the SDK' } }));
    expect(patched.bio).toBe('from the SDK');
    expect(csrfSent.at(-1)).toBe(browser.jar.get('msg_csrf'));
    // The same call without the header is refused: the SDK's header is what let it through.
    const bare = await browser.fetch(new Request(`${server.url}/api/v1/users/me`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"bio":"x"}' }));
    expect(bare.status).toBe(403);

    await client.logout();
    expect(browser.jar.has('msg_session')).toBe(false);
    expect(await client.isSignedIn()).toBe(false);
    expect(counted.requests).not.toContain('POST /api/v1/auth/refresh');
  });

  it('logs out everywhere: every session of the account ends, and nothing more is called', async () => {
    const user = await registerUser(server);
    const counted = countingFetch(cookieJarFetch().fetch);
    const client = sdk(server, { auth: 'cookie', fetch: counted.fetch });
    await client.login({ login: user.username, password: user.password });
    const { accessToken: elsewhere } = await login(server, user);
    await client.logoutEverywhere();
    expect(await client.isSignedIn()).toBe(false);
    expect((await server.request('/api/v1/users/me', { headers: bearer(elsewhere) })).status).toBe(401);
    // Signing out afterwards is quiet: the session is gone here, so nothing goes to the server.
    const calls = counted.requests.length;
    await client.logout();
    expect(counted.requests.slice(calls)).toEqual([]);
    expect(counted.requests).not.toContain('POST /api/v1/auth/logout');
  });

  it('tells the app when the server ended the cookie session', async () => {
    const user = await registerUser(server);
    const browser = cookieJarFetch();
    const client = sdk(server, { auth: 'cookie', fetch: browser.fetch });
    await client.login({ login: user.username, password: user.password });
    const ended: string[] = [];
    client.on('sessionEnded', ({ code }) => ended.push(code));
    const { accessToken } = await login(server, user);
    expect((await server.request('/api/v1/auth/logout-all', { method: 'POST', headers: bearer(accessToken) })).status).toBe(200);
    const res = await client.api.GET('/api/v1/users/me');
    expect(res.response.status).toBe(401);
    expect(ended).toEqual(['session_ended']);
    expect(await client.isSignedIn()).toBe(false);
  });
});

describe('refresh on expiry', () => {
  it('refreshes once for many concurrent calls on an expired access token, then retries each once', async () => {
    const user = await registerUser(server);
    const network = countingFetch();
    const store = memoryTokenStore();
    const client = sdk(server, { fetch: network.fetch, tokenStore: store });
    const result = await client.login({ login: user.username, password: user.password });
    if (result.status !== 'signedIn') throw new Error('expected to be signed in');
    const live = (await client.session.session()) as Extract<StoredSession, { mode: 'tokens' }>;
    await client.useSession({ ...live, accessToken: expiredAccessToken(AUTH_SECRET, user.id, result.sessionId) });
    network.requests.length = 0;

    const N = 8;
    const answers = await Promise.all([
      ...Array.from({ length: N - 2 }, () => client.unwrap(client.api.GET('/api/v1/users/me'))),
      client.unwrap(client.api.GET('/api/v1/chats')),
      client.unwrap(client.api.PATCH('/api/v1/users/me', { body: { bio: 'refreshed' } })),
    ]);
    expect(answers).toHaveLength(N);
    expect(answers[0]).toMatchObject({ id: user.id });
    expect(network.count('POST /api/v1/auth/refresh')).toBe(1);
    // Each call: once refused, once retried; plus the one refresh.
    expect(network.requests).toHaveLength(2 * N + 1);
    const refreshed = (await store.load()) as Extract<StoredSession, { mode: 'tokens' }>;
    expect(refreshed.refreshToken).not.toBe(live.refreshToken);
    expect(refreshed.sessionId).toBe(result.sessionId);

    // Expired again later: again one refresh.
    await client.useSession({ ...refreshed, accessToken: expiredAccessToken(AUTH_SECRET, user.id, result.sessionId) });
    network.requests.length = 0;
    await Promise.all([client.unwrap(client.api.GET('/api/v1/users/me')), client.unwrap(client.api.GET('/api/v1/friends'))]);
    expect(network.count('POST /api/v1/auth/refresh')).toBe(1);
  });

  it('ends the session once, for every waiting call, when the refresh is refused', async () => {
    const user = await registerUser(server);
    const network = countingFetch();
    const client = sdk(server, { fetch: network.fetch });
    const result = await client.login({ login: user.username, password: user.password });
    if (result.status !== 'signedIn') throw new Error('expected to be signed in');
    const live = (await client.session.session()) as Extract<StoredSession, { mode: 'tokens' }>;
    // Signed out everywhere from another device: the refresh token is dead too.
    const { accessToken } = await login(server, user);
    expect((await server.request('/api/v1/auth/logout-all', { method: 'POST', headers: bearer(accessToken) })).status).toBe(200);
    await client.useSession({ ...live, accessToken: expiredAccessToken(AUTH_SECRET, user.id, result.sessionId) });
    const ended: string[] = [];
    client.on('sessionEnded', ({ code }) => ended.push(code));
    network.requests.length = 0;

    const answers = await Promise.all(Array.from({ length: 4 }, () => client.api.GET('/api/v1/users/me')));
    expect(answers.map((a) => a.response.status)).toEqual([401, 401, 401, 401]);
    expect(network.count('POST /api/v1/auth/refresh')).toBe(1);
    expect(ended).toHaveLength(1);
    expect(await client.isSignedIn()).toBe(false);
  });
});
