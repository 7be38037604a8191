import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, registerUser } from '../helpers/accounts.js';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.js';
import { multipart } from '../helpers/multipart.js';
import { asTestServer, startServerProcess, type ServerProcess } from '../helpers/process.js';
import type { TestServer } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { TestSocket } from '../helpers/ws.js';

// The real entry point at the most talkative log level: whatever reaches stdout is what an
// operator's log pipeline would keep.
let environment: TestEnvironment;
let node: ServerProcess;
let server: TestServer;
beforeAll(async () => {
  environment = await createTestEnvironment({ AUTH_SECRET: randomBytes(32).toString('hex') });
  node = await startServerProcess('src/main.ts', environment.env, 30_000, 'trace');
  server = asTestServer(node);
}, 60_000);
afterAll(async () => {
  if (node && node.child.exitCode === null) {
    node.child.kill('SIGTERM');
    await node.exited;
  }
  await environment?.cleanup();
});

const setCookieValue = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))!
    .split(';')[0]!
    .slice(name.length + 1);

describe('the request log', () => {
  it('never holds a credential: query tokens, file signatures, Authorization, cookies, CSRF tokens, mailed codes', async () => {
    const user = await registerUser(server);
    const secrets: Record<string, string> = {};

    const login = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password } });
    const accessToken = ((await login.json()) as { accessToken: string }).accessToken;
    secrets.accessToken = accessToken;

    // A browser's WebSocket cannot send headers, so the token rides in the URL.
    const socket = await TestSocket.open(server, { query: `access_token=${encodeURIComponent(accessToken)}` });
    expect(socket.ofType('ready')).toHaveLength(1);
    await socket.close();

    // A signed file URL, fetched without credentials.
    const { body, contentType } = multipart([{ name: 'file', filename: 'notes.txt', data: 'private notes' }]);
    const upload = await server.request('/api/v1/uploads', { method: 'POST', headers: { 'content-type': contentType, ...bearer(accessToken) }, body });
    expect(upload.status).toBe(201);
    const fileUrl = ((await upload.json()) as { url: string }).url;
    secrets.signature = new URL(fileUrl, node.url).searchParams.get('sig')!;
    const file = await server.request(fileUrl);
    expect(file.status).toBe(200);
    await file.arrayBuffer();

    // A browser session: the cookie and the CSRF token it echoes.
    const cookieLogin = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password, cookie: true } });
    secrets.sessionCookie = setCookieValue(cookieLogin, 'msg_session');
    secrets.csrfToken = ((await cookieLogin.json()) as { csrfToken: string }).csrfToken;
    const edit = await server.request('/api/v1/users/me', {
      method: 'PATCH',
      headers: { cookie: `msg_session=${secrets.sessionCookie}`, 'x-csrf-token': secrets.csrfToken },
      json: { bio: 'hello' },
    });
    expect(edit.status).toBe(200);

    // Credentials a client put where they do not belong, on a route that does not exist.
    secrets.madeUpToken = randomBytes(16).toString('hex');
    secrets.madeUpPassword = randomBytes(16).toString('hex');
    const stray = await server.request(`/api/v1/nothing-here?token=${secrets.madeUpToken}&password=${secrets.madeUpPassword}&page=2`, {
      headers: { authorization: `Bearer ${secrets.madeUpToken}` },
    });
    expect(stray.status).toBe(404);
    await stray.arrayBuffer();

    // A password reset: the development outbox logs each mail it keeps.
    expect((await server.request('/api/v1/auth/password/forgot', { method: 'POST', json: { email: user.email } })).status).toBe(202);
    let mail: { codes: string[]; links: string[] } | undefined;
    for (let tries = 0; !mail && tries < 100; tries++) {
      const outbox = (await (await server.request('/dev/outbox')).json()) as { items: Array<{ to: string; codes: string[]; links: string[] }> };
      mail = outbox.items.find((m) => m.to === user.email && m.codes.length > 0);
      if (!mail) await sleep(50);
    }
    secrets.resetToken = new URL(mail!.links[0]!).searchParams.get('token')!;
    const code = mail!.codes[0]!;

    await waitUntil(() => node.output().includes('/dev/outbox'), 'the last request in the log');
    const log = node.output();
    // The requests were logged, with their credentials taken out.
    expect(log).toContain('/api/v1/ws?access_token=[redacted]');
    expect(log).toMatch(/\/files\/u\/[^"]+\?exp=\d+&sig=\[redacted\]/);
    expect(log).toContain('/api/v1/nothing-here?token=[redacted]&password=[redacted]&page=2');
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThanOrEqual(16);
      expect(log.includes(secret), `${name} is in the log`).toBe(false);
    }
    // Six digits may turn up inside a timestamp; as a value on its own they must not.
    expect(log).not.toMatch(new RegExp(`["=]${code}\\b`));
  });
});
