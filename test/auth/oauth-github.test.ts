import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startOAuthProvider, type LocalOAuthProvider, type ProviderAccount } from '../helpers/oauth-provider.js';
import { APP_URL, codeFrom, exchange, oauthTestEnv, signInThrough, signInWith, type SignedIn } from '../helpers/oauth-flow.js';
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

let nextId = 1000;
/** A GitHub account no other test uses. */
const githubAccount = (overrides: Partial<ProviderAccount> = {}): ProviderAccount => {
  const login = uniqueName('gh');
  return { id: ++nextId, login, name: 'Ada Lovelace', email: `${login}@mail.example.test`, emailVerified: true, ...overrides };
};
const me = async (token: string) => (await server.request('/api/v1/users/me', { headers: bearer(token) })).json() as Promise<SignedIn['user']>;
const userCount = async () => Number((await server.app.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('the providers list', () => {
  it('names the enabled providers for sign-in buttons, and only those', async () => {
    const res = await server.request('/api/v1/auth/providers');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [{ id: 'github', name: 'GitHub' }, { id: '42', name: '42' }] });

    const bare = await startTestServer();
    try {
      expect(await (await bare.request('/api/v1/auth/providers')).json()).toEqual({ items: [] });
      const start = await bare.request('/api/v1/auth/oauth/github', { redirect: 'manual' });
      expect(start.status).toBe(404);
      expect((await problem(start)).code).toBe('provider_not_found');
    } finally {
      await bare.close();
    }
  });
});

describe('signing in with GitHub', () => {
  it('sends the browser to GitHub with state and PKCE, and sets an HTTP-only state cookie for the OAuth routes only', async () => {
    const res = await server.request(`/api/v1/auth/oauth/github?redirect=${encodeURIComponent(`${APP_URL}/done`)}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(provider.env.GITHUB_AUTHORIZE_URL);
    expect(to.searchParams.get('client_id')).toBe(provider.env.GITHUB_CLIENT_ID);
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('redirect_uri')).toBe(`${server.url}/api/v1/auth/oauth/github/callback`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('msg_oauth='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\/api\/v1\/auth\/oauth(;|$)/);
  });

  it('answers {redirectUrl} to a client that asks for JSON', async () => {
    const res = await server.request('/api/v1/auth/oauth/github', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    const { redirectUrl } = (await res.json()) as { redirectUrl: string };
    expect(redirectUrl.startsWith(provider.env.GITHUB_AUTHORIZE_URL!)).toBe(true);
  });

  it('creates an account from the profile: verified address, names, picture, no password; the app gets a code, never tokens', async () => {
    const account = githubAccount({ picture: true });
    provider.signInAs(account);
    const browser = new Browser();
    const ended = await signInThrough(server, browser, 'github', `${APP_URL}/welcome?tab=chats`);
    expect(ended.url.pathname).toBe('/welcome');
    expect(ended.url.searchParams.get('tab')).toBe('chats');
    expect([...ended.url.searchParams.keys()].sort()).toEqual(['code', 'tab']);
    expect(provider.tokenRequests.at(-1)?.pkce).toBe('ok');

    const res = await exchange(server, { code: codeFrom(ended) });
    expect(res.status).toBe(200);
    const signedIn = (await res.json()) as SignedIn;
    expect(signedIn.accessToken).toBeTruthy();
    expect(signedIn.user).toMatchObject({ username: account.login, email: account.email, emailVerified: true, firstName: 'Ada', lastName: 'Lovelace' });
    expect(signedIn.user.signInMethods).toEqual(['github']);
    const mine = await me(signedIn.accessToken);
    expect(mine.signInMethods).toEqual(['github']);
    expect(mine.avatar.isDefault).toBe(false);
    expect(provider.pictureRequests).toContain(`/pictures/${account.id}.png`);
  });

  it('signs the same GitHub account in again to the same account, without making another', async () => {
    const account = githubAccount();
    provider.signInAs(account);
    const first = await signInWith(server, 'github');
    const before = await userCount();
    const second = await signInWith(server, 'github');
    expect(second.user.id).toBe(first.user.id);
    expect(second.sessionId).not.toBe(first.sessionId);
    expect(await userCount()).toBe(before);
  });

  it('links an existing account whose verified address GitHub vouches for, and mails it a notice', async () => {
    const user = await registerUser(server);
    await server.app.database.db.updateTable('users').set({ email_verified_at: Date.now() }).where('id', '=', user.id).execute();
    const before = mail.messages.length;
    provider.signInAs(githubAccount({ email: user.email.toUpperCase(), emailVerified: true }));
    const signedIn = await signInWith(server, 'github');
    expect(signedIn.user.id).toBe(user.id);
    expect(signedIn.user.signInMethods).toEqual(['password', 'github']);
    const notice = await mail.waitForMail(user.email, { subject: /GitHub was linked/, after: before });
    expect(notice.text).toContain(user.username);
    // The password still works.
    await login(server, user);
  });

  it('never links by an address GitHub does not vouch for: 409 account_exists, nothing created or linked', async () => {
    const user = await registerUser(server);
    await server.app.database.db.updateTable('users').set({ email_verified_at: Date.now() }).where('id', '=', user.id).execute();
    const before = await userCount();
    provider.signInAs(githubAccount({ email: user.email, emailVerified: false }));
    const ended = await signInThrough(server, new Browser(), 'github');
    expect(ended.url.origin).toBe(APP_URL);
    expect(ended.url.searchParams.get('error')).toBe('account_exists');
    expect(ended.url.searchParams.has('code')).toBe(false);
    expect(await userCount()).toBe(before);
    const tokens = await login(server, user);
    expect((await me(tokens.accessToken)).signInMethods).toEqual(['password']);
  });

  it('never links to an account whose own address is unverified (it may have been registered by someone else)', async () => {
    const squatter = await registerUser(server);
    provider.signInAs(githubAccount({ email: squatter.email, emailVerified: true }));
    const ended = await signInThrough(server, new Browser(), 'github');
    expect(ended.url.searchParams.get('error')).toBe('account_exists');
    const tokens = await login(server, squatter);
    expect((await me(tokens.accessToken)).signInMethods).toEqual(['password']);
  });

  it('gives a new account a free username when the GitHub login is taken here, and leaves the holder alone', async () => {
    const holder = await registerUser(server);
    provider.signInAs(githubAccount({ login: holder.username.toUpperCase() }));
    const signedIn = await signInWith(server, 'github');
    expect(signedIn.user.id).not.toBe(holder.id);
    expect(signedIn.user.username.toLowerCase()).not.toBe(holder.username.toLowerCase());
    expect(signedIn.user.username).toMatch(new RegExp(`^${holder.username.toUpperCase().slice(0, 20)}.*_\\d+$`));
    const tokens = await login(server, holder);
    expect(await me(tokens.accessToken)).toMatchObject({ id: holder.id, username: holder.username, signInMethods: ['password'] });
  });

  it('makes a valid username from a login with characters we do not allow, or a reserved one', async () => {
    provider.signInAs(githubAccount({ login: 'admin' }));
    expect((await signInWith(server, 'github')).user.username).toMatch(/^admin_\d+$/);
    provider.signInAs(githubAccount({ login: 'zoë van der berg!' }));
    expect((await signInWith(server, 'github')).user.username).toMatch(/^zoe_van_der_berg(_\d+)?$/);
  });

  it('creates an account with an unverified address when GitHub does not vouch for it, and mails a verification link', async () => {
    const account = githubAccount({ emailVerified: false });
    provider.signInAs(account);
    const signedIn = await signInWith(server, 'github');
    expect(signedIn.user.emailVerified).toBe(false);
    await mail.waitForMail(account.email!, { subject: /verify/i });
  });

  it('refuses a GitHub account that shares no address: email_required, nothing created', async () => {
    const before = await userCount();
    provider.signInAs(githubAccount({ email: null }));
    const ended = await signInThrough(server, new Browser(), 'github');
    expect(ended.url.searchParams.get('error')).toBe('email_required');
    expect(await userCount()).toBe(before);
  });

  it('lets an account made by GitHub set a password through the reset flow, then log in with it', async () => {
    const account = githubAccount();
    provider.signInAs(account);
    const signedIn = await signInWith(server, 'github');
    const count = mail.messages.length;
    expect((await server.request('/api/v1/auth/password/forgot', { method: 'POST', json: { email: account.email } })).status).toBe(202);
    const reset = await mail.waitForMail(account.email!, { subject: /reset/i, after: count });
    const code = /^\s*(\d{6})\s*$/m.exec(reset.text)?.[1];
    const newPassword = 'lantern-quiet-93-harbor';
    const res = await server.request('/api/v1/auth/password/reset', { method: 'POST', json: { email: account.email, code, newPassword } });
    expect(res.status).toBe(204);
    const tokens = await login(server, { username: signedIn.user.username, password: newPassword });
    expect((await me(tokens.accessToken)).signInMethods).toEqual(['password', 'github']);
  });
});

describe('the exchange', () => {
  it('works once: the code reused is 400 invalid_code', async () => {
    provider.signInAs(githubAccount());
    const code = codeFrom(await signInThrough(server, new Browser(), 'github'));
    expect((await exchange(server, { code })).status).toBe(200);
    const again = await exchange(server, { code });
    expect(again.status).toBe(400);
    expect((await problem(again)).code).toBe('invalid_code');
  });

  it('sets the session cookies in cookie mode, and that session works', async () => {
    provider.signInAs(githubAccount());
    const code = codeFrom(await signInThrough(server, new Browser(), 'github'));
    const res = await exchange(server, { code, cookie: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { csrfToken: string; sessionId: number; accessToken?: string };
    expect(body.accessToken).toBeUndefined();
    expect(body.csrfToken).toBeTruthy();
    const session = res.headers.getSetCookie().find((c) => c.startsWith('msg_session='));
    expect(session).toMatch(/HttpOnly/i);
    const cookie = session!.split(';')[0]!;
    expect((await server.request('/api/v1/users/me', { headers: { cookie } })).status).toBe(200);
  });

  it('refuses an unknown or expired code and bad bodies with 400', async () => {
    const unknown = await exchange(server, { code: 'x'.repeat(43) });
    expect(unknown.status).toBe(400);
    expect((await problem(unknown)).code).toBe('invalid_code');
    for (const body of [{}, { code: '' }, { code: 'a'.repeat(201) }, { code: 'abc', extra: 1 }, { code: 7 }, { code: 'abc', cookie: 'yes' }]) {
      const res = await exchange(server, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await problem(res)).code).toBe('validation_failed');
    }
  });
});
