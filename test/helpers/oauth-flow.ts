import { expect } from 'vitest';
import { Browser } from './browser.js';
import type { TestServer } from './server.js';

/** The client app's origin in OAuth tests (APP_URL): redirects there end the browser's journey. */
export const APP_URL = 'https://app.example.test';

/** Settings every OAuth test server shares: the app's origin, and starts unlimited for one file's traffic. */
export const oauthTestEnv = { APP_URL, RATE_LIMIT_OAUTH_START: '10000/1m' };

const atApp = (url: URL) => url.origin === APP_URL;

/**
 * Starts a sign-in at `provider` in `browser` and follows it through the provider and the callback
 * back to the app; answers where the browser ended up (the app URL with ?code= or ?error=), or the
 * server's answer when it stopped on one (a problem from the callback).
 */
export async function signInThrough(server: TestServer, browser: Browser, provider: string, redirect = `${APP_URL}/signed-in`) {
  const start = `${server.url}/api/v1/auth/oauth/${provider}?redirect=${encodeURIComponent(redirect)}`;
  return browser.navigate(start, atApp);
}

/** The one-time code the app received, failing the test when the sign-in did not end with one. */
export function codeFrom(result: { url: URL; response?: Response }): string {
  expect(result.url.origin, `ended at ${result.url.href} (${result.response?.status})`).toBe(APP_URL);
  const code = result.url.searchParams.get('code');
  expect(code, `no code in ${result.url.href}`).toBeTruthy();
  return code!;
}

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  sessionId: number;
  user: { id: number; username: string; email: string; emailVerified: boolean; signInMethods: string[]; avatar: { isDefault: boolean }; firstName: string; lastName: string };
}

/** POST /auth/oauth/exchange. */
export function exchange(server: TestServer, body: Record<string, unknown>): Promise<Response> {
  return server.request('/api/v1/auth/oauth/exchange', { method: 'POST', json: body });
}

/** A whole sign-in in a fresh browser, traded for tokens. */
export async function signInWith(server: TestServer, provider: string, browser = new Browser()): Promise<SignedIn> {
  const code = codeFrom(await signInThrough(server, browser, provider));
  const res = await exchange(server, { code });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as SignedIn;
}
