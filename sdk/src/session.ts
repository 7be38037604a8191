import { Emitter } from './emitter.js';
import { SessionEndedError, problemCodeOf } from './errors.js';
import type { StoredSession, TokenStore } from './storage.js';

/** What the session tells the app. */
export interface SessionEvents {
  /** Signed in, refreshed, or signed out (`null`): the credentials the store now holds. */
  session: [session: StoredSession | null];
  /** The server refused the session (refresh refused, logged out elsewhere): sign in again. */
  sessionEnded: [info: { code: string }];
}

// Answers that say the access token alone is the problem: a refresh fixes them.
const REFRESHABLE = new Set(['token_expired', 'invalid_token']);
// Answers that say the session behind the credential is gone.
const ENDED = new Set(['session_ended', 'missing_credentials', 'invalid_refresh_token', 'refresh_token_expired', 'refresh_token_reused', 'invalid_token']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_COOKIE = 'msg_csrf';

/**
 * The signed-in session: it loads the credentials from the store once, puts them on each request
 * (a Bearer token, or the cookie with its CSRF token), and refreshes the access token when the
 * server says it expired, with one refresh in flight for every call that needs it.
 */
export class SessionManager extends Emitter<SessionEvents> {
  private loaded: Promise<StoredSession | null> | undefined;
  private current: StoredSession | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(
    private readonly options: {
      baseUrl: string;
      mode: 'tokens' | 'cookie';
      store: TokenStore;
      fetch: (input: Request) => Promise<Response>;
    },
  ) {
    super();
  }

  get mode(): 'tokens' | 'cookie' {
    return this.options.mode;
  }

  /** The credentials in use, from the store the first time. */
  async session(): Promise<StoredSession | null> {
    this.loaded ??= Promise.resolve(this.options.store.load()).then((session) => (this.current = session));
    await this.loaded;
    return this.current;
  }

  /** Replaces the credentials (after a sign-in, a refresh, or `null` at sign-out), in memory and in the store. */
  async set(session: StoredSession | null): Promise<void> {
    this.loaded = Promise.resolve(session);
    this.current = session;
    await this.options.store.save(session);
    this.emit('session', session);
  }

  /** The access token to send, if signed in with tokens. */
  async accessToken(): Promise<string | undefined> {
    const session = await this.session();
    return session?.mode === 'tokens' ? session.accessToken : undefined;
  }

  /**
   * A fresh access token. Every caller while a refresh is in flight shares it; a caller whose
   * token was already replaced (`used` is no longer current) gets the current one without asking.
   * Throws SessionEndedError when the server refuses the refresh token (the session is then cleared).
   */
  async refresh(used?: string): Promise<string> {
    if (this.refreshing) return this.refreshing;
    const session = await this.session();
    if (session?.mode !== 'tokens') throw new SessionEndedError('not_signed_in');
    if (used !== undefined && session.accessToken !== used) return session.accessToken;
    this.refreshing = this.exchange(session).finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async exchange(session: Extract<StoredSession, { mode: 'tokens' }>): Promise<string> {
    const response = await this.options.fetch(
      new Request(`${this.options.baseUrl}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: session.refreshToken }),
      }),
    );
    if (response.ok) {
      const pair = (await response.json()) as { accessToken: string; refreshToken: string; sessionId?: number };
      await this.set({ mode: 'tokens', accessToken: pair.accessToken, refreshToken: pair.refreshToken, sessionId: pair.sessionId ?? session.sessionId });
      return pair.accessToken;
    }
    const code = (await problemCodeOf(response)) ?? `http_${response.status}`;
    if (response.status === 400 || response.status === 401) {
      await this.end(code);
      throw new SessionEndedError(code);
    }
    throw new Error(`Refreshing the session failed: ${response.status} ${code}`);
  }

  /** The server refused the session: forget it and tell the app. */
  async end(code: string): Promise<void> {
    if (!(await this.session())) return;
    await this.set(null);
    this.emit('sessionEnded', { code });
  }

  /**
   * The fetch that every API call goes through: it adds the credentials, and on a 401 that a
   * refresh can fix, refreshes (once for all concurrent calls) and sends the request again, once.
   */
  async fetch(input: Request, send: (request: Request) => Promise<Response> = this.options.fetch): Promise<Response> {
    const again = input.clone();
    const { request, token } = await this.authorize(input);
    const response = await send(request);
    if (response.status !== 401 || isSignInCall(input.url)) return response;
    const code = (await problemCodeOf(response)) ?? 'unauthorized';
    if (this.mode === 'cookie' || token === undefined) {
      if (ENDED.has(code) && (await this.session())) await this.end(code);
      return response;
    }
    if (!REFRESHABLE.has(code)) {
      if (ENDED.has(code)) await this.end(code);
      return response;
    }
    try {
      await this.refresh(token);
    } catch (error) {
      if (error instanceof SessionEndedError) return response;
      throw error;
    }
    return send((await this.authorize(again)).request);
  }

  /** The request with the session's credentials, unless it carries its own. */
  private async authorize(input: Request): Promise<{ request: Request; token?: string }> {
    const session = await this.session();
    if (!session || isSignInCall(input.url)) return { request: input };
    const headers = new Headers(input.headers);
    if (session.mode === 'tokens') {
      if (headers.has('authorization')) return { request: input };
      headers.set('authorization', `Bearer ${session.accessToken}`);
      return { request: new Request(input, { headers }), token: session.accessToken };
    }
    if (!SAFE_METHODS.has(input.method) && !headers.has('x-csrf-token')) {
      const csrf = session.csrfToken || readCookie(CSRF_COOKIE);
      if (csrf) headers.set('x-csrf-token', csrf);
    }
    return { request: new Request(input, { headers, credentials: 'include' }) };
  }
}

/** Sign-in calls carry no session credential and their 401s are answers, not an ended session. */
function isSignInCall(url: string): boolean {
  const { pathname } = new URL(url);
  return /\/api\/v1\/auth\/(login(\/2fa(\/send)?)?|refresh|register|oauth\/exchange)$/.test(pathname);
}

/** A cookie readable by this page (browsers only). */
function readCookie(name: string): string | undefined {
  const doc = (globalThis as { document?: { cookie?: string } }).document;
  const cookie = doc?.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
