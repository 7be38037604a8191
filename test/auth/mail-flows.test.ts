import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, meStatus, PASSWORD, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { sleep } from '../helpers/wait.js';

const clock = new TestClock();
let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, APP_URL: 'https://app.example.test' }, clock });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

const post = (path: string, json: unknown, headers: Record<string, string> = {}) => server.request(`/api/v1/auth/${path}`, { method: 'POST', json, headers });
const tokenIn = (text: string, path: string) => new RegExp(`https://app\\.example\\.test/${path}\\?token=([\\w-]+)`).exec(text)?.[1];
const codeIn = (text: string) => /^\s*(\d{6})\s*$/m.exec(text)?.[1];

describe('e-mail verification', () => {
  it('mails a single-use link on registration; the token verifies the address once', async () => {
    const user = await registerUser(server);
    const message = await mail.waitForMail(user.email, { subject: /verify/i });
    expect(message.html).toContain('https://app.example.test/verify-email?token=');
    const token = tokenIn(message.text, 'verify-email');
    expect(token).toBeDefined();

    const res = await post('verify-email', { token });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { emailVerified: boolean } }).user.emailVerified).toBe(true);

    const again = await post('verify-email', { token });
    expect(again.status).toBe(400);
    expect((await problem(again)).code).toBe('invalid_token');
  });

  it('refuses a tampered or unknown token, and bad input', async () => {
    expect((await post('verify-email', { token: 'x'.repeat(43) })).status).toBe(400);
    expect((await post('verify-email', {})).status).toBe(400);
    expect((await post('verify-email', { token: ['x'] })).status).toBe(400);
  });

  it('refuses a link older than 24 hours', async () => {
    const user = await registerUser(server);
    const token = tokenIn((await mail.waitForMail(user.email)).text, 'verify-email');
    clock.advance(24 * 3_600_000 + 1000);
    try {
      expect((await post('verify-email', { token })).status).toBe(400);
    } finally {
      clock.advance(-(24 * 3_600_000 + 1000));
    }
  });

  it('resends a new link that replaces the old one, and answers the same for unknown addresses', async () => {
    const user = await registerUser(server);
    const first = tokenIn((await mail.waitForMail(user.email)).text, 'verify-email');
    const count = mail.messages.length;
    const res = await post('verify-email/resend', { email: user.email.toUpperCase() });
    expect(res.status).toBe(202);
    const second = tokenIn((await mail.waitForMail(user.email, { after: count })).text, 'verify-email');
    expect(second).not.toBe(first);
    expect((await post('verify-email', { token: first })).status).toBe(400);
    expect((await post('verify-email', { token: second })).status).toBe(200);

    const before = mail.messages.length;
    const unknown = await post('verify-email/resend', { email: `${uniqueName()}@example.test` });
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(await (await post('verify-email/resend', { email: user.email })).json());
    await sleep(300);
    // Neither the unknown address nor the already verified one got mail.
    expect(mail.messages.length).toBe(before);
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  it('refuses login with a clear 403 until the address is verified', async () => {
    const strict = await startTestServer({ env: { SMTP_URL: mail.url, REQUIRE_EMAIL_VERIFICATION: 'true' } });
    try {
      const username = uniqueName();
      const email = `${username}@example.test`;
      expect((await strict.request('/api/v1/auth/register', { method: 'POST', json: { username, email, password: PASSWORD } })).status).toBe(201);
      const denied = await strict.request('/api/v1/auth/login', { method: 'POST', json: { login: username, password: PASSWORD } });
      expect(denied.status).toBe(403);
      expect((await problem(denied)).code).toBe('email_not_verified');
      const token = /verify-email\?token=([\w-]+)/.exec((await mail.waitForMail(email)).text)?.[1];
      expect((await strict.request('/api/v1/auth/verify-email', { method: 'POST', json: { token } })).status).toBe(200);
      expect((await strict.request('/api/v1/auth/login', { method: 'POST', json: { login: username, password: PASSWORD } })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe('password change', () => {
  it('needs the current password, applies the rules, and ends every other session', async () => {
    const user = await registerUser(server);
    const here = await login(server, user);
    const elsewhere = await login(server, user);
    const change = (json: unknown) => post('password/change', json, bearer(here.accessToken));

    const wrong = await change({ currentPassword: 'wrong-password-9', newPassword: 'fresh-violet-kite-88' });
    expect(wrong.status).toBe(400);
    expect((await problem(wrong)).errors).toEqual([{ field: 'currentPassword', message: 'is wrong' }]);
    const weak = await change({ currentPassword: user.password, newPassword: 'password123' });
    expect(weak.status).toBe(400);
    const same = await change({ currentPassword: user.password, newPassword: user.password });
    expect((await problem(same)).code).toBe('same_password');
    expect((await change({ currentPassword: user.password })).status).toBe(400);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(200);

    const count = mail.messages.length;
    const changed = await change({ currentPassword: user.password, newPassword: 'fresh-violet-kite-88' });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ endedSessions: 1, revokedTokens: 0 });
    expect(await meStatus(server, bearer(here.accessToken))).toBe(200);
    expect(await meStatus(server, bearer(elsewhere.accessToken))).toBe(401);
    expect((await post('login', { login: user.username, password: user.password })).status).toBe(401);
    expect((await post('login', { login: user.username, password: 'fresh-violet-kite-88' })).status).toBe(200);
    await mail.waitForMail(user.email, { subject: /password/i, after: count });
  });
});

describe('personal access tokens', () => {
  it('mails a notice to the account when one is created', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const count = mail.messages.length;
    const res = await post('tokens', { name: 'Backup <script>', password: user.password }, bearer(accessToken));
    expect(res.status).toBe(201);
    const notice = await mail.waitForMail(user.email, { subject: /personal access token/i, after: count });
    expect(notice.text).toContain('A new personal access token was created');
    expect(notice.text).toContain('Backup <script>');
    expect(notice.html).toContain('Backup &lt;script&gt;');
    expect(notice.text).not.toContain(((await res.json()) as { token: string }).token);
  });
});

describe('forgotten password', () => {
  async function forgot(email: string) {
    const count = mail.messages.length;
    const res = await post('password/forgot', { email });
    expect(res.status).toBe(202);
    const message = await mail.waitForMail(email, { subject: /reset/i, after: count });
    return { code: codeIn(message.text)!, token: tokenIn(message.text, 'reset-password')! };
  }

  it('mails a 6-digit code and a link, and answers the same for an unknown address without mailing', async () => {
    const user = await registerUser(server);
    const { code, token } = await forgot(user.email);
    expect(code).toMatch(/^\d{6}$/);
    expect(token.length).toBeGreaterThanOrEqual(43);

    const before = mail.messages.length;
    const unknown = await post('password/forgot', { email: `${uniqueName()}@example.test` });
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(await (await post('password/forgot', { email: 'nobody-at-all@example.test' })).json());
    await sleep(300);
    expect(mail.messages.length).toBe(before);
  });

  it('check-code says whether the code is valid without using it', async () => {
    const user = await registerUser(server);
    const { code } = await forgot(user.email);
    const check = async (c: string) => ((await (await post('password/check-code', { email: user.email, code: c })).json()) as { valid: boolean }).valid;
    expect(await check(code)).toBe(true);
    expect(await check(code)).toBe(true);
    expect(await check(code === '000000' ? '111111' : '000000')).toBe(false);
    expect(await check(code)).toBe(true);
  });

  it('resets with the code: every session ends, the old password stops working, the code is single use', async () => {
    const user = await registerUser(server);
    const session = await login(server, user);
    const { code } = await forgot(user.email);
    const res = await post('password/reset', { email: user.email, code, newPassword: 'tidal-marble-crane-61' });
    expect(res.status).toBe(204);
    expect(await meStatus(server, bearer(session.accessToken))).toBe(401);
    expect((await post('login', { login: user.username, password: user.password })).status).toBe(401);
    expect((await post('login', { login: user.username, password: 'tidal-marble-crane-61' })).status).toBe(200);
    const again = await post('password/reset', { email: user.email, code, newPassword: 'other-marble-crane-62' });
    expect(again.status).toBe(400);
    expect((await problem(again)).code).toBe('invalid_reset_code');
  });

  it('resets with the link token alone', async () => {
    const user = await registerUser(server);
    const { token } = await forgot(user.email);
    expect((await post('password/reset', { token, newPassword: 'quiet-harbor-lamp-23' })).status).toBe(204);
    expect((await post('login', { login: user.email, password: 'quiet-harbor-lamp-23' })).status).toBe(200);
  });

  it('spends the code after 5 wrong tries', async () => {
    const user = await registerUser(server);
    const { code } = await forgot(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const res = await post('password/reset', { email: user.email, code: wrong, newPassword: 'quiet-harbor-lamp-24' });
      expect(res.status).toBe(400);
    }
    expect((await post('password/reset', { email: user.email, code, newPassword: 'quiet-harbor-lamp-24' })).status).toBe(400);
    expect((await post('login', { login: user.username, password: user.password })).status).toBe(200);
  });

  it('refuses a code older than 15 minutes', async () => {
    const user = await registerUser(server);
    const { code } = await forgot(user.email);
    clock.advance(15 * 60_000 + 1000);
    try {
      expect((await post('password/reset', { email: user.email, code, newPassword: 'quiet-harbor-lamp-25' })).status).toBe(400);
    } finally {
      clock.advance(-(15 * 60_000 + 1000));
    }
  });

  it('refuses bad input with 400 and changes nothing', async () => {
    const user = await registerUser(server);
    const { code } = await forgot(user.email);
    const cases = [
      {},
      { email: user.email, newPassword: 'quiet-harbor-lamp-26' },
      { email: user.email, code: '12345', newPassword: 'quiet-harbor-lamp-26' },
      { email: user.email, code: 'abcdef', newPassword: 'quiet-harbor-lamp-26' },
      { email: user.email, code, newPassword: 'short' },
      { email: user.email, code, newPassword: `${user.username}-pass` },
      { email: user.email, code, newPassword: 'quiet-harbor-lamp-26', admin: true },
    ];
    for (const json of cases) expect((await post('password/reset', json)).status, JSON.stringify(json)).toBe(400);
    expect((await post('password/check-code', { email: user.email, code })).status).toBe(200);
    expect((await post('login', { login: user.username, password: user.password })).status).toBe(200);
  });
});
