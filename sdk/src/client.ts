import createClient, { type Client } from 'openapi-fetch';
import { Emitter } from './emitter.js';
import { ApiError, problemOf } from './errors.js';
import type { paths } from './generated/api.js';
import { RealtimeClient, type RealtimeOptions } from './realtime.js';
import { SessionManager, type SessionEvents } from './session.js';
import { memoryTokenStore, type StoredSession, type TokenStore } from './storage.js';
import type { CurrentUser, LoginAnswer, Post, ResponseBody, SecondFactorMethod, SyncPage, Upload } from './types.js';
import { canReportProgress, sendWithProgress, type UploadProgress } from './xhr.js';

export interface MessengerClientOptions {
  /** Where the API is served, without `/api/v1`: `https://chat.example.com`. */
  baseUrl: string;
  /**
   * `tokens` (default): an access token on each request and a refresh token to renew it, kept in
   * `tokenStore`. `cookie`: the browser holds an HTTP-only session cookie (requests are sent with
   * `credentials: 'include'`) and the SDK echoes the CSRF token on unsafe requests.
   */
  auth?: 'tokens' | 'cookie';
  /** Where the session's credentials are kept; in memory by default. */
  tokenStore?: TokenStore;
  /** A fetch to use instead of `globalThis.fetch` (tests, instrumentation, a custom agent). */
  fetch?: (input: Request) => Promise<Response>;
}

/** Signed in, or a second factor is needed to finish. */
export type LoginResult =
  | { status: 'signedIn'; user: CurrentUser; sessionId: number; trustedDeviceToken?: string }
  | { status: 'twoFactorRequired'; challenge: string; methods: SecondFactorMethod[]; expiresAt: string };

/**
 * The messenger API: `api` has a typed call for every REST operation (openapi-fetch over the
 * generated types), the sign-in flows keep the session, and `realtime()` opens the live events.
 *
 * ```ts
 * const client = new MessengerClient({ baseUrl: 'https://chat.example.com' });
 * await client.login({ login: 'ann', password: '…' });
 * const chats = await client.unwrap(client.api.GET('/api/v1/chats'));
 * ```
 */
export class MessengerClient extends Emitter<SessionEvents> {
  /** Every REST operation, typed by path and method: `api.GET('/api/v1/chats/{id}', { params: { path: { id } } })`. */
  readonly api: Client<paths>;
  readonly baseUrl: string;
  /** The session: credentials on each call, refresh on expiry. */
  readonly session: SessionManager;

  constructor(options: MessengerClientOptions) {
    super();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const fetchImpl = options.fetch ?? ((input: Request) => globalThis.fetch(input));
    const mode = options.auth ?? 'tokens';
    this.session = new SessionManager({ baseUrl: this.baseUrl, mode, store: options.tokenStore ?? memoryTokenStore(), fetch: fetchImpl });
    this.session.on('session', (session) => this.emit('session', session));
    this.session.on('sessionEnded', (info) => this.emit('sessionEnded', info));
    this.api = createClient<paths>({
      baseUrl: this.baseUrl,
      fetch: (request: Request) => this.session.fetch(request),
      ...(mode === 'cookie' ? { credentials: 'include' as const } : {}),
    });
  }

  /** The data of a typed call, or an ApiError with the server's problem. */
  async unwrap<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<NonNullable<D>> {
    const { data, error, response } = await call;
    if (!response.ok || error !== undefined) throw new ApiError(problemOf(response.status, error));
    return data as NonNullable<D>;
  }

  /** Whether credentials are held (the server may still have ended the session). */
  async isSignedIn(): Promise<boolean> {
    return (await this.session.session()) !== null;
  }

  /** Password sign-in with a username or an e-mail address. May answer that a second factor is needed. */
  async login(input: { login: string; password: string; trustedDeviceToken?: string }): Promise<LoginResult> {
    const answer = await this.unwrap(this.api.POST('/api/v1/auth/login', { body: { ...input, ...(this.session.mode === 'cookie' ? { cookie: true } : {}) } }));
    return this.signedIn(answer);
  }

  /** Mails the code of the `email` second factor for this challenge. */
  async sendLoginCode(challenge: string): Promise<{ expiresAt: string }> {
    const { expiresAt } = await this.unwrap(this.api.POST('/api/v1/auth/login/2fa/send', { body: { challenge } }));
    return { expiresAt };
  }

  /** Finishes a sign-in with a second factor: an authenticator code, an e-mailed code, or a recovery code. */
  async finishLogin(input: { challenge: string; method: SecondFactorMethod; code: string; trustDevice?: boolean }): Promise<LoginResult> {
    return this.signedIn(await this.unwrap(this.api.POST('/api/v1/auth/login/2fa', { body: input })));
  }

  /** Finishes a GitHub, 42 or OpenID sign-in with the `code` the app's redirect page received. */
  async exchangeOAuthCode(code: string): Promise<LoginResult> {
    const answer = await this.unwrap(this.api.POST('/api/v1/auth/oauth/exchange', { body: { code, ...(this.session.mode === 'cookie' ? { cookie: true } : {}) } }));
    return this.signedIn(answer);
  }

  /** Ends this session on the server (its sockets close) and forgets it here, even if the server already had. */
  async logout(): Promise<void> {
    try {
      if (await this.isSignedIn()) await this.api.POST('/api/v1/auth/logout');
    } finally {
      await this.session.set(null);
    }
  }

  /**
   * Ends every session of this account, this one included (all their sockets close), and forgets
   * it here. On failure nothing is forgotten: the other sessions may still be open, so the app can
   * say so and try again.
   */
  async logoutEverywhere(): Promise<void> {
    await this.unwrap(this.api.POST('/api/v1/auth/logout-all'));
    await this.session.set(null);
  }

  /** Uses credentials obtained elsewhere (e.g. kept by the app, or a sign-in made outside the SDK). */
  async useSession(session: StoredSession | null): Promise<void> {
    await this.session.set(session);
  }

  /** One page of what changed since `since` (`GET /api/v1/sync`); without `since`, a token for now. */
  async syncPage(since?: string, limit?: number): Promise<SyncPage> {
    return this.unwrap(this.api.GET('/api/v1/sync', { params: { query: { ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit } : {}) } } }));
  }

  /**
   * Uploads a file for a message (send its `id` in `attachmentIds`). Multipart bodies are not in the
   * OpenAPI document, hence these helpers. In a browser, `onProgress` reports the bytes sent.
   */
  async upload(file: Blob, filename = 'file', options: { onProgress?: (progress: UploadProgress) => void } = {}): Promise<Upload> {
    const form = new FormData();
    form.append('file', file, filename);
    const { onProgress } = options;
    if (!onProgress || !canReportProgress) return this.unwrap(this.api.POST('/api/v1/uploads', { body: form as never }));
    const request = new Request(`${this.baseUrl}/api/v1/uploads`, { method: 'POST', body: form, ...(this.session.mode === 'cookie' ? { credentials: 'include' as const } : {}) });
    const response = await this.session.fetch(request, (authorized) => sendWithProgress(authorized, onProgress));
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) throw new ApiError(problemOf(response.status, body));
    return body as Upload;
  }

  /**
   * Publishes a post: text, up to 10 images, or both. An image may come with `alt`, what it shows
   * for people who cannot see it.
   */
  async createPost(input: { text?: string; visibility?: 'public' | 'friends'; images?: Array<Blob | { image: Blob; alt?: string }> }): Promise<Post> {
    const form = new FormData();
    if (input.text !== undefined) form.append('text', input.text);
    if (input.visibility !== undefined) form.append('visibility', input.visibility);
    for (const [index, entry] of (input.images ?? []).entries()) {
      const { image, alt } = entry instanceof Blob ? { image: entry, alt: undefined } : entry;
      form.append('images', image, `image-${index}`);
      if (alt) form.append(`alt[${index}]`, alt);
    }
    return this.unwrap(this.api.POST('/api/v1/posts', { body: form as never }));
  }

  /** Replaces my avatar with this image. */
  async setAvatar(image: Blob): Promise<ResponseBody<'/api/v1/users/me/avatar', 'put'>> {
    const form = new FormData();
    form.append('file', image, 'avatar');
    return this.unwrap(this.api.PUT('/api/v1/users/me/avatar', { body: form as never }));
  }

  /** A realtime client on this session's credentials; call `connect()` on it. */
  realtime(options: RealtimeOptions = {}): RealtimeClient {
    return new RealtimeClient(this, options);
  }

  private async signedIn(answer: LoginAnswer): Promise<LoginResult> {
    if ('twoFactorRequired' in answer) {
      return { status: 'twoFactorRequired', challenge: answer.challenge, methods: answer.methods, expiresAt: answer.expiresAt };
    }
    if ('accessToken' in answer) {
      await this.session.set({ mode: 'tokens', accessToken: answer.accessToken, refreshToken: answer.refreshToken, sessionId: answer.sessionId });
      return { status: 'signedIn', user: answer.user, sessionId: answer.sessionId, ...(answer.trustedDeviceToken ? { trustedDeviceToken: answer.trustedDeviceToken } : {}) };
    }
    await this.session.set({ mode: 'cookie', csrfToken: answer.csrfToken, sessionId: answer.sessionId });
    return { status: 'signedIn', user: answer.user, sessionId: answer.sessionId };
  }
}
