import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, meStatus, problem, registerUser, type RegisteredUser, type Tokens } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let mail: MailCatcher;
let server: TestServer;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url } });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
  await mail?.close();
});

const post = (path: string, json: unknown, headers: Record<string, string> = {}) => server.request(`/api/v1/auth/${path}`, { method: 'POST', json, headers });
const tokenAuth = (token: string) => ({ authorization: `Token ${token}` });

async function open(options: Parameters<typeof TestSocket.open>[1]) {
  const socket = await TestSocket.open(server, options);
  sockets.push(socket);
  expect(socket.isOpen).toBe(true);
  return socket;
}

/** An account signed in on two devices, with a personal access token, and a socket open with each credential. */
async function signedInEverywhere() {
  const user: RegisteredUser = await registerUser(server);
  const here: Tokens = await login(server, user);
  const elsewhere: Tokens = await login(server, user);
  const created = await post('tokens', { name: 'script', password: user.password }, bearer(here.accessToken));
  expect(created.status, await created.clone().text()).toBe(201);
  const pat = (await created.json()) as { id: number; token: string };
  const socketsOf = {
    here: await open({ token: here.accessToken }),
    elsewhere: await open({ token: elsewhere.accessToken }),
    // Browsers pass the credential in the query; a token's socket must close like a session's.
    pat: await open({ query: `access_token=${pat.token}` }),
  };
  return { user, here, elsewhere, pat, sockets: socketsOf };
}

const closeCode = async (socket: TestSocket) => (await socket.closed).code;

describe('account recovery evicts every credential', () => {
  it('a password reset ends every session and personal access token and closes their sockets', async () => {
    const { user, here, elsewhere, pat, sockets: open } = await signedInEverywhere();
    const count = mail.messages.length;
    expect((await post('password/forgot', { email: user.email })).status).toBe(202);
    const code = /^\s*(\d{6})\s*$/m.exec((await mail.waitForMail(user.email, { subject: /reset/i, after: count })).text)?.[1];

    expect((await post('password/reset', { email: user.email, code, newPassword: 'tidal-marble-crane-61' })).status).toBe(204);

    expect(await closeCode(open.here)).toBe(4401);
    expect(await closeCode(open.elsewhere)).toBe(4401);
    expect(await closeCode(open.pat)).toBe(4401);
    expect(await meStatus(server, bearer(here.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(401);
    expect(await meStatus(server, tokenAuth(pat.token))).toBe(401);
    const fresh = await login(server, { username: user.username, password: 'tidal-marble-crane-61' });
    const tokens = (await (await server.request('/api/v1/auth/tokens', { headers: bearer(fresh.accessToken) })).json()) as { items: unknown[] };
    expect(tokens.items).toEqual([]);
  });

  it('a password change keeps this session, ends the others and every personal access token, and says what ended', async () => {
    const { user, here, elsewhere, pat, sockets: open } = await signedInEverywhere();
    const res = await post('password/change', { currentPassword: user.password, newPassword: 'fresh-violet-kite-88' }, bearer(here.accessToken));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ endedSessions: 1, revokedTokens: 1 });

    expect(await closeCode(open.elsewhere)).toBe(4401);
    expect(await closeCode(open.pat)).toBe(4401);
    expect(open.here.isOpen).toBe(true);
    expect(await meStatus(server, bearer(here.accessToken))).toBe(200);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(401);
    expect(await meStatus(server, tokenAuth(pat.token))).toBe(401);
  });

  it('logout-all ends every session and personal access token, closes their sockets, and says what ended', async () => {
    const { here, elsewhere, pat, sockets: open } = await signedInEverywhere();
    const res = await post('logout-all', undefined, bearer(here.accessToken));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ endedSessions: 2, revokedTokens: 1 });

    for (const socket of Object.values(open)) expect(await closeCode(socket)).toBe(4401);
    expect(await meStatus(server, bearer(here.accessToken))).toBe(401);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(401);
    expect(await meStatus(server, tokenAuth(pat.token))).toBe(401);
  });
});

describe('a personal access token cannot manage credentials', () => {
  it('gets 403 session_required wherever credentials are managed, and changes nothing', async () => {
    const { user, here, elsewhere, pat } = await signedInEverywhere();
    const attempts: Array<[string, string, unknown]> = [
      ['POST', '/auth/password/change', { currentPassword: user.password, newPassword: 'fresh-violet-kite-88' }],
      ['POST', '/auth/logout-all', undefined],
      ['POST', '/auth/tokens', { name: 'more', password: user.password }],
      ['GET', '/auth/tokens', undefined],
      ['DELETE', `/auth/tokens/${pat.id}`, undefined],
      ['GET', '/auth/sessions', undefined],
      ['DELETE', `/auth/sessions/${elsewhere.sessionId}`, undefined],
      ['PATCH', '/users/me', { email: 'taken-over@example.test', currentPassword: user.password }],
      ['DELETE', '/users/me', { password: user.password }],
    ];
    for (const [method, path, json] of attempts) {
      const res = await server.request(`/api/v1${path}`, { method, json, headers: tokenAuth(pat.token) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await problem(res)).code, `${method} ${path}`).toBe('session_required');
    }

    expect(await meStatus(server, tokenAuth(pat.token))).toBe(200);
    expect(await meStatus(server, bearer(here.accessToken))).toBe(200);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(200);
    const me = (await (await server.request('/api/v1/users/me', { headers: bearer(here.accessToken) })).json()) as { email: string; pendingEmail: string | null };
    expect(me).toMatchObject({ email: user.email, pendingEmail: null });
    expect((await post('login', { login: user.username, password: user.password })).status).toBe(200);
  });

  it('still edits the profile when no credential is involved', async () => {
    const { pat } = await signedInEverywhere();
    const res = await server.request('/api/v1/users/me', { method: 'PATCH', json: { bio: 'set by a script' }, headers: tokenAuth(pat.token) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { bio: string }).bio).toBe('set by a script');
  });
});
