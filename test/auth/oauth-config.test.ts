import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { uniqueName } from '../helpers/accounts.js';
import { Browser } from '../helpers/browser.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startOAuthProvider, type LocalOAuthProvider } from '../helpers/oauth-provider.js';
import { exchange, oauthTestEnv, signInThrough } from '../helpers/oauth-flow.js';
import { startTestServer } from '../helpers/server.js';

const configError = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
};

describe('OAuth settings', () => {
  it('turn a provider on only with both its client id and secret, and refuse half of one', () => {
    expect(loadConfig({}).oauth).toMatchObject({ github: undefined, fortyTwo: undefined, oidc: undefined, timeoutMs: 10_000, redirectOrigins: [] });
    const github = loadConfig({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret', GITHUB_API_URL: 'https://ghe.example.test/api/v3/' }).oauth.github;
    expect(github).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      authorizeUrl: 'https://github.com/login/oauth/authorize',
      tokenUrl: 'https://github.com/login/oauth/access_token',
      apiUrl: 'https://ghe.example.test/api/v3',
    });
    expect(configError({ GITHUB_CLIENT_ID: 'id' })).toBe('GITHUB_CLIENT_SECRET: is required with GITHUB_CLIENT_ID');
    expect(configError({ FORTYTWO_CLIENT_SECRET: 's' })).toBe('FORTYTWO_CLIENT_ID: is required with FORTYTWO_CLIENT_SECRET');
    expect(configError({ OIDC_ISSUER: 'https://sso.example.test' })).toMatch(/^OIDC_CLIENT_ID: is required with the other OIDC_ settings/);
  });

  it('take redirect origins as origins only, and refuse malformed values without echoing secrets', () => {
    expect(loadConfig({ OAUTH_REDIRECT_ORIGINS: 'https://a.example.test, http://127.0.0.1:5173/' }).oauth.redirectOrigins).toEqual([
      'https://a.example.test',
      'http://127.0.0.1:5173',
    ]);
    expect(configError({ OAUTH_REDIRECT_ORIGINS: 'https://a.example.test/path' })).toMatch(/^OAUTH_REDIRECT_ORIGINS: expected comma-separated origins/);
    expect(configError({ OAUTH_REDIRECT_ORIGINS: 'myapp://callback' })).toMatch(/^OAUTH_REDIRECT_ORIGINS:/);
    expect(configError({ GITHUB_TOKEN_URL: 'ftp://x' })).toBe('GITHUB_TOKEN_URL: expected a http:// or https:// URL');
    expect(configError({ OAUTH_TIMEOUT_MS: '5' })).toMatch(/^OAUTH_TIMEOUT_MS: expected an integer from 100/);
    expect(configError({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'has a space' })).toBe('GITHUB_CLIENT_SECRET: expected 1-500 characters without spaces');
  });
});

describe('the callback URL given to providers', () => {
  it('is built on PUBLIC_URL when it is set', async () => {
    const server = await startTestServer({ env: { ...oauthTestEnv, GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret', PUBLIC_URL: 'https://api.example.test/' } });
    try {
      const res = await server.request('/api/v1/auth/oauth/github', { redirect: 'manual' });
      expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).toBe('https://api.example.test/api/v1/auth/oauth/github/callback');
    } finally {
      await server.close();
    }
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  let mail: MailCatcher;
  let provider: LocalOAuthProvider;
  beforeAll(async () => {
    mail = await startMailCatcher();
    provider = await startOAuthProvider();
  });
  afterAll(async () => {
    await provider?.close();
    await mail?.close();
  });

  it('holds a provider sign-in, like a login, until an address the provider did not vouch for is confirmed', async () => {
    const server = await startTestServer({ env: { ...oauthTestEnv, ...provider.env, SMTP_URL: mail.url, REQUIRE_EMAIL_VERIFICATION: 'true' } });
    try {
      const login = uniqueName('ft');
      const email = `${login}@student.example.test`;
      provider.signInAs({ id: 77, login, email });
      const held = await signInThrough(server, new Browser(), '42');
      expect(held.url.searchParams.get('error')).toBe('email_not_verified');
      const token = /verify-email\?token=([\w-]+)/.exec((await mail.waitForMail(email, { subject: /verify/i })).text)?.[1];
      expect((await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token } })).status).toBe(200);

      const code = (await signInThrough(server, new Browser(), '42')).url.searchParams.get('code');
      expect(code).toBeTruthy();
      expect((await exchange(server, { code })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
