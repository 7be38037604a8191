import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, PASSWORD, problem, registerUser, type RegisteredUser } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';

const clock = new TestClock();
let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  // The production limit of failed logins per account (tests elsewhere lift it).
  server = await startTestServer({ env: { SMTP_URL: mail.url, APP_URL: 'https://app.example.test', RATE_LIMIT_LOGIN_PER_ACCOUNT: '10/15m' }, clock });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

const STEP_MS = 30_000;
const totpCode = (secret: string, at = clock.now()) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: at });

const call = async <T = Record<string, unknown>>(method: string, path: string, token?: string, json?: unknown) => {
  const res = await server.request(`/api/v1/auth${path}`, { method, json, headers: token ? bearer(token) : {} });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
};

interface Challenge {
  twoFactorRequired: true;
  challenge: string;
  methods: string[];
  expiresAt: string;
}

/** A user with the authenticator turned on: its secret, recovery codes and a session. */
async function userWithTotp(): Promise<{ user: RegisteredUser; secret: string; recoveryCodes: string[]; token: string }> {
  const user = await registerUser(server);
  const { accessToken } = await login(server, user);
  const setup = await call<{ secret: string }>('POST', '/2fa/totp/setup', accessToken, { password: user.password });
  expect(setup.status).toBe(200);
  const enabled = await call<{ recoveryCodes: string[] }>('POST', '/2fa/totp/enable', accessToken, { code: totpCode(setup.body.secret) });
  expect(enabled.status).toBe(200);
  // The enabling code's step is spent: the next code comes from the next step.
  clock.advance(STEP_MS);
  return { user, secret: setup.body.secret, recoveryCodes: enabled.body.recoveryCodes, token: accessToken };
}

async function challengeOf(user: RegisteredUser, extra: Record<string, unknown> = {}): Promise<Challenge> {
  const res = await call<Challenge>('POST', '/login', undefined, { login: user.username, password: user.password, ...extra });
  expect(res.status).toBe(200);
  expect(res.body.twoFactorRequired).toBe(true);
  return res.body;
}

const finish = (challenge: string, method: string, code: string, extra: Record<string, unknown> = {}) =>
  call<{ accessToken?: string; trustedDeviceToken?: string; user?: { signInMethods: string[] } }>('POST', '/login/2fa', undefined, { challenge, method, code, ...extra });

describe('authenticator app (TOTP)', () => {
  it('sets up with the password, shows the QR code, and turns on with a code from the app', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    expect((await call('GET', '/2fa', accessToken)).body).toEqual({ enabled: false, totp: { enabled: false, pendingSetup: false }, email: { enabled: false }, recoveryCodesLeft: 0 });

    expect((await call('POST', '/2fa/totp/setup', accessToken, {})).status).toBe(400);
    const wrong = await call('POST', '/2fa/totp/setup', accessToken, { password: 'not-the-password' });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { code: string }).code).toBe('wrong_password');

    const setup = await call<{ secret: string; otpauthUrl: string; qrCode: string }>('POST', '/2fa/totp/setup', accessToken, { password: PASSWORD });
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(setup.body.otpauthUrl);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe(setup.body.secret);
    expect(url.searchParams.get('issuer')).toBe('Messenger');
    expect(decodeURIComponent(url.pathname)).toContain(user.username);
    const png = Buffer.from(setup.body.qrCode.replace(/^data:image\/png;base64,/, ''), 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const qr = await server.request('/api/v1/auth/2fa/totp/qr.png', { headers: bearer(accessToken) });
    expect(qr.status).toBe(200);
    expect(qr.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await qr.arrayBuffer()).equals(png)).toBe(true);
    expect((await call('GET', '/2fa', accessToken)).body).toMatchObject({ enabled: false, totp: { enabled: false, pendingSetup: true } });

    const bad = await call('POST', '/2fa/totp/enable', accessToken, { code: totpCode(setup.body.secret, clock.now() - 5 * STEP_MS) });
    expect(bad.status).toBe(400);
    expect((bad.body as { code: string }).code).toBe('invalid_code');
    expect((await call('GET', '/2fa', accessToken)).body).toMatchObject({ enabled: false });

    const enabled = await call<{ recoveryCodes: string[]; status: unknown }>('POST', '/2fa/totp/enable', accessToken, { code: totpCode(setup.body.secret) });
    expect(enabled.status).toBe(200);
    expect(enabled.body.recoveryCodes).toHaveLength(10);
    expect(new Set(enabled.body.recoveryCodes).size).toBe(10);
    expect(enabled.body.status).toEqual({ enabled: true, totp: { enabled: true, pendingSetup: false }, email: { enabled: false }, recoveryCodesLeft: 10 });
    expect((await mail.waitForMail(user.email, { subject: /two-factor sign-in turned on/i })).text).toMatch(/authenticator app/);

    const me = await server.request('/api/v1/users/me', { headers: bearer(accessToken) });
    expect(((await me.json()) as { signInMethods: string[] }).signInMethods).toEqual(['password', 'totp']);
    // Set up again while on: refused, and the QR code of a finished setup is gone.
    expect((await call('POST', '/2fa/totp/setup', accessToken, { password: PASSWORD })).status).toBe(409);
    expect((await server.request('/api/v1/auth/2fa/totp/qr.png', { headers: bearer(accessToken) })).status).toBe(404);
  });

  it('refuses enabling without a setup, and bad codes of every shape', async () => {
    const user = await registerUser(server);
    const { accessToken } = await login(server, user);
    const missing = await call('POST', '/2fa/totp/enable', accessToken, { code: '123456' });
    expect(missing.status).toBe(404);
    expect((missing.body as { code: string }).code).toBe('totp_setup_missing');
    for (const code of ['', 'x'.repeat(65), 123456, null, ['123456']]) {
      expect((await call('POST', '/2fa/totp/enable', accessToken, { code })).status).toBe(400);
    }
    expect((await call('POST', '/2fa/totp/enable', accessToken, { code: '123456', extra: 1 })).status).toBe(400);
    expect((await call('GET', '/2fa')).status).toBe(401);
  });

  it('asks for the second factor at login, and issues nothing before it', async () => {
    const { user, secret } = await userWithTotp();
    const challenge = await challengeOf(user);
    expect(challenge.methods).toEqual(['totp', 'recovery']);
    expect(Date.parse(challenge.expiresAt) - clock.now()).toBe(5 * 60_000);
    expect(Object.keys(challenge).sort()).toEqual(['challenge', 'expiresAt', 'methods', 'twoFactorRequired']);

    const done = await finish(challenge.challenge, 'totp', totpCode(secret));
    expect(done.status).toBe(200);
    expect(done.body.accessToken).toBeDefined();
    expect(done.body.trustedDeviceToken).toBeUndefined();
    expect((await call('GET', '/2fa', done.body.accessToken)).status).toBe(200);
    // Single use: the finished challenge is spent.
    clock.advance(STEP_MS);
    const again = await finish(challenge.challenge, 'totp', totpCode(secret));
    expect(again.status).toBe(401);
    expect((again.body as unknown as { code: string }).code).toBe('challenge_invalid');
  });

  it('accepts a code once, and one step of clock drift either way', async () => {
    const { user, secret } = await userWithTotp();
    const code = totpCode(secret);
    expect((await finish((await challengeOf(user)).challenge, 'totp', code)).status).toBe(200);
    const replay = await finish((await challengeOf(user)).challenge, 'totp', code);
    expect(replay.status).toBe(400);
    expect((replay.body as unknown as { code: string }).code).toBe('code_already_used');

    clock.advance(STEP_MS);
    // The phone is a step behind: its code is still good; two steps is too far.
    expect((await finish((await challengeOf(user)).challenge, 'totp', totpCode(secret, clock.now() + STEP_MS))).status).toBe(200);
    clock.advance(3 * STEP_MS);
    expect((await finish((await challengeOf(user)).challenge, 'totp', totpCode(secret, clock.now() - STEP_MS))).status).toBe(200);
    clock.advance(STEP_MS);
    const far = await finish((await challengeOf(user)).challenge, 'totp', totpCode(secret, clock.now() - 2 * STEP_MS));
    expect(far.status).toBe(401);
    expect((far.body as unknown as { code: string }).code).toBe('invalid_code');
  });

  it('finishes a challenge once when the same code arrives twice at once', async () => {
    const { user, secret } = await userWithTotp();
    const { challenge } = await challengeOf(user);
    const code = totpCode(secret);
    const results = await Promise.all([finish(challenge, 'totp', code), finish(challenge, 'totp', code), finish(challenge, 'totp', code)]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const lost of results.filter((r) => r.status !== 200)) {
      expect(['code_already_used', 'challenge_invalid']).toContain((lost.body as unknown as { code: string }).code);
    }
    const sessions = await call<{ items: unknown[] }>('GET', '/sessions', results.find((r) => r.status === 200)!.body.accessToken);
    // The session of userWithTotp, and the one this login made: no more.
    expect(sessions.body.items).toHaveLength(2);
  });

  it('kills a challenge after 5 wrong codes, and after 5 minutes', async () => {
    const { user, secret } = await userWithTotp();
    const { challenge } = await challengeOf(user);
    const lefts: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await finish(challenge, 'totp', '000000');
      expect(res.status).toBe(401);
      lefts.push((res.body as unknown as { attemptsLeft: number }).attemptsLeft);
    }
    expect(lefts).toEqual([4, 3, 2, 1, 0]);
    expect((await finish(challenge, 'totp', totpCode(secret))).body).toMatchObject({ code: 'challenge_invalid' });

    const late = await challengeOf(user);
    clock.advance(5 * 60_000 + 1);
    expect((await finish(late.challenge, 'totp', totpCode(secret))).body).toMatchObject({ code: 'challenge_invalid' });
    for (const challenge of ['', 'x'.repeat(201), 'forged-challenge']) {
      expect([400, 401]).toContain((await finish(challenge, 'totp', totpCode(secret))).status);
    }
    expect((await finish((await challengeOf(user)).challenge, 'sms', '123456')).status).toBe(400);
    expect((await finish((await challengeOf(user)).challenge, 'email', '123456')).body).toMatchObject({ code: 'two_factor_not_enabled' });
  });
});

describe('recovery codes', () => {
  it('sign in once each, are counted, mailed about, and can be made anew', async () => {
    const { user, recoveryCodes, token } = await userWithTotp();
    const used = recoveryCodes[0]!;
    // Typed loosely: upper case, no dash.
    const done = await finish((await challengeOf(user)).challenge, 'recovery', used.toUpperCase().replace('-', ''));
    expect(done.status).toBe(200);
    expect((await mail.waitForMail(user.email, { subject: /recovery code was used/i })).text).toMatch(/9 unused codes/);
    expect((await call('GET', '/2fa', token)).body).toMatchObject({ recoveryCodesLeft: 9 });
    expect((await finish((await challengeOf(user)).challenge, 'recovery', used)).status).toBe(401);

    expect((await call('POST', '/2fa/recovery-codes', token, { password: 'wrong-password' })).status).toBe(400);
    const fresh = await call<{ recoveryCodes: string[] }>('POST', '/2fa/recovery-codes', token, { password: user.password });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    await mail.waitForMail(user.email, { subject: /new recovery codes/i });
    expect((await finish((await challengeOf(user)).challenge, 'recovery', recoveryCodes[1]!)).status).toBe(401);
    expect((await finish((await challengeOf(user)).challenge, 'recovery', fresh.body.recoveryCodes[0]!)).status).toBe(200);
  });
});

describe('turning factors off', () => {
  it('needs the password and a code; then login asks for nothing more', async () => {
    const { user, secret, token, recoveryCodes } = await userWithTotp();
    expect((await call('POST', '/2fa/disable', token, { code: totpCode(secret) })).status).toBe(400);
    expect((await call('POST', '/2fa/disable', token, { password: user.password })).status).toBe(400);
    expect((await call('POST', '/2fa/disable', token, { password: 'wrong-password', code: totpCode(secret) })).body).toMatchObject({ code: 'wrong_password' });
    expect((await call('POST', '/2fa/disable', token, { password: user.password, code: '000000' })).body).toMatchObject({ code: 'invalid_code' });
    expect((await call('POST', '/2fa/disable', token, { password: user.password, code: totpCode(secret), method: 'email' })).body).toMatchObject({
      code: 'two_factor_not_enabled',
    });
    expect((await call('GET', '/2fa', token)).body).toMatchObject({ enabled: true });

    const off = await call('POST', '/2fa/disable', token, { password: user.password, code: recoveryCodes[0] });
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ enabled: false, totp: { enabled: false, pendingSetup: false }, email: { enabled: false }, recoveryCodesLeft: 0 });
    await mail.waitForMail(user.email, { subject: /two-factor sign-in turned off/i });
    const direct = await call<{ accessToken: string; user: { signInMethods: string[] } }>('POST', '/login', undefined, { login: user.username, password: user.password });
    expect(direct.body.accessToken).toBeDefined();
    expect(direct.body.user.signInMethods).toEqual(['password']);
  });

  it('cannot be done with a personal access token', async () => {
    const { user, secret, token } = await userWithTotp();
    const created = await call<{ token: string }>('POST', '/tokens', token, { name: 'script', password: user.password });
    const res = await server.request('/api/v1/auth/2fa/disable', { method: 'POST', json: { password: user.password, code: totpCode(secret) }, headers: { authorization: `Token ${created.body.token}` } });
    expect(res.status).toBe(403);
    expect((await problem(res)).code).toBe('session_required');
  });
});

describe('trusted devices', () => {
  it('skip the second factor for 30 days, are listed, and can be forgotten', async () => {
    const { user, secret, token } = await userWithTotp();
    const trusted = await finish((await challengeOf(user)).challenge, 'totp', totpCode(secret), { trustDevice: true });
    expect(trusted.status).toBe(200);
    const deviceToken = trusted.body.trustedDeviceToken!;
    expect(deviceToken).toMatch(/^[\w-]{40,}$/);

    const skipped = await call<{ accessToken?: string }>('POST', '/login', undefined, { login: user.username, password: user.password, trustedDeviceToken: deviceToken });
    expect(skipped.body.accessToken).toBeDefined();
    // Another user's device token, or a made-up one, does not skip anything.
    expect((await challengeOf(user, { trustedDeviceToken: 'x'.repeat(43) })).twoFactorRequired).toBe(true);

    const list = await call<{ items: Array<{ id: number; expiresAt: string }> }>('GET', '/trusted-devices', token);
    expect(list.body.items).toHaveLength(1);
    expect(Date.parse(list.body.items[0]!.expiresAt) - clock.now()).toBeGreaterThan(29 * 86_400_000);

    clock.advance(30 * 86_400_000 + STEP_MS);
    expect((await challengeOf(user, { trustedDeviceToken: deviceToken })).twoFactorRequired).toBe(true);
    clock.advance(-(30 * 86_400_000));

    expect((await call('DELETE', `/trusted-devices/${list.body.items[0]!.id}`, token)).status).toBe(204);
    expect((await call('DELETE', `/trusted-devices/${list.body.items[0]!.id}`, token)).status).toBe(404);
    expect((await challengeOf(user, { trustedDeviceToken: deviceToken })).twoFactorRequired).toBe(true);
  });

  it('are forgotten when the user signs out everywhere', async () => {
    const { user, secret } = await userWithTotp();
    const trusted = await finish((await challengeOf(user)).challenge, 'totp', totpCode(secret), { trustDevice: true });
    const session = trusted.body.accessToken!;
    expect((await call('POST', '/logout-all', session)).status).toBe(200);
    expect((await challengeOf(user, { trustedDeviceToken: trusted.body.trustedDeviceToken })).twoFactorRequired).toBe(true);
  });

  it('works for a cookie login: the session and the trust are cookies', async () => {
    const { user, secret } = await userWithTotp();
    const challenge = await challengeOf(user, { cookie: true });
    const res = await server.request('/api/v1/auth/login/2fa', { method: 'POST', json: { challenge: challenge.challenge, method: 'totp', code: totpCode(secret), trustDevice: true } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { csrfToken?: string; accessToken?: string; trustedDeviceToken?: string };
    expect(body.csrfToken).toBeDefined();
    expect(body.accessToken).toBeUndefined();
    expect(body.trustedDeviceToken).toBeUndefined();
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('msg_session='))!;
    const device = cookies.find((c) => c.startsWith('msg_trusted_device='))!;
    expect(device).toMatch(/HttpOnly/i);
    expect((await server.request('/api/v1/users/me', { headers: { cookie: session.split(';')[0]! } })).status).toBe(200);

    const again = await server.request('/api/v1/auth/login', {
      method: 'POST',
      json: { login: user.username, password: user.password, cookie: true },
      headers: { cookie: device.split(';')[0]! },
    });
    expect(((await again.json()) as { csrfToken?: string }).csrfToken).toBeDefined();
  });
});

describe('e-mailed codes', () => {
  async function verifiedUser() {
    const user = await registerUser(server);
    const link = (await mail.waitForMail(user.email, { subject: /verify/i })).text;
    const token = /verify-email\?token=([\w-]+)/.exec(link)![1];
    expect((await call('POST', '/verify-email', undefined, { token })).status).toBe(200);
    return user;
  }
  const codeIn = (text: string) => /^\s*(\d{6})\s*$/m.exec(text)![1]!;

  it('need a verified address; then login mails a code that finishes it once', async () => {
    const unverified = await registerUser(server);
    const { accessToken: unverifiedToken } = await login(server, unverified);
    expect((await call('POST', '/2fa/email/enable', unverifiedToken, { password: unverified.password })).body).toMatchObject({ code: 'email_not_verified' });

    const user = await verifiedUser();
    const { accessToken } = await login(server, user);
    const enabled = await call<{ recoveryCodes: string[] }>('POST', '/2fa/email/enable', accessToken, { password: user.password });
    expect(enabled.status).toBe(200);
    expect(enabled.body.recoveryCodes).toHaveLength(10);
    expect((await call('POST', '/2fa/email/enable', accessToken, { password: user.password })).status).toBe(409);

    const challenge = await challengeOf(user);
    expect(challenge.methods).toEqual(['email', 'recovery']);
    // Nothing is mailed until the client asks.
    const before = mail.messages.length;
    const sent = await call<{ expiresAt: string }>('POST', '/login/2fa/send', undefined, { challenge: challenge.challenge });
    expect(sent.status).toBe(202);
    expect(Date.parse(sent.body.expiresAt) - clock.now()).toBe(10 * 60_000);
    const code = codeIn((await mail.waitForMail(user.email, { subject: /sign-in code/i, after: before })).text);
    // Asking again at once is refused: one mail per 30 seconds.
    expect((await call('POST', '/login/2fa/send', undefined, { challenge: challenge.challenge })).status).toBe(429);

    const wrongCode = code === '000000' ? '111111' : '000000';
    expect((await finish(challenge.challenge, 'email', wrongCode)).body).toMatchObject({ code: 'invalid_code', attemptsLeft: 4 });
    expect((await finish(challenge.challenge, 'email', code)).status).toBe(200);
    expect((await finish(challenge.challenge, 'email', code)).status).toBe(401);
    // A code belongs to its challenge.
    const other = await challengeOf(user);
    expect((await finish(other.challenge, 'email', code)).status).toBe(401);
    expect((await call('POST', '/login/2fa/send', undefined, { challenge: 'forged' })).body).toMatchObject({ code: 'challenge_invalid' });
  });

  it('turn off with a mailed confirmation code', async () => {
    const user = await verifiedUser();
    const { accessToken } = await login(server, user);
    await call('POST', '/2fa/email/enable', accessToken, { password: user.password });
    const before = mail.messages.length;
    expect((await call('POST', '/2fa/email/send', accessToken)).status).toBe(202);
    const code = codeIn((await mail.waitForMail(user.email, { subject: /sign-in code/i, after: before })).text);
    const off = await call('POST', '/2fa/disable', accessToken, { password: user.password, code, method: 'email' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false });
  });
});

describe('limits', () => {
  it('wrong codes count as failed logins of the account: 10 lock it for the window', async () => {
    const { user } = await userWithTotp();
    for (let round = 0; round < 2; round += 1) {
      const { challenge } = await challengeOf(user);
      for (let i = 0; i < 5; i += 1) expect((await finish(challenge, 'totp', '000000')).status).toBe(401);
    }
    const locked = await call('POST', '/login', undefined, { login: user.username, password: user.password });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a right password does not forgive wrong codes before it; a finished login does', async () => {
    const { user, secret } = await userWithTotp();
    for (let round = 0; round < 2; round += 1) {
      const { challenge } = await challengeOf(user);
      for (let i = 0; i < 4; i += 1) expect((await finish(challenge, 'totp', '000000')).status).toBe(401);
      // The right code, after 4 wrong ones: the account starts afresh.
      expect((await finish(challenge, 'totp', totpCode(secret))).status).toBe(200);
      clock.advance(STEP_MS);
    }
    const { challenge } = await challengeOf(user);
    for (let i = 0; i < 5; i += 1) expect((await finish(challenge, 'totp', '000000')).status).toBe(401);
    expect((await call('POST', '/login', undefined, { login: user.username, password: user.password })).status).toBe(200);
  });

  it('per client address on finishing and on mailing codes', async () => {
    const limited = await startTestServer({ env: { RATE_LIMIT_TWO_FACTOR: '3/1m', RATE_LIMIT_TWO_FACTOR_SEND: '2/1m' } });
    try {
      const attempt = () => limited.request('/api/v1/auth/login/2fa', { method: 'POST', json: { challenge: 'forged', method: 'totp', code: '123456' } });
      for (let i = 0; i < 3; i += 1) expect((await attempt()).status).toBe(401);
      const blocked = await attempt();
      expect(blocked.status).toBe(429);
      expect((await problem(blocked)).code).toBe('rate_limited');
      const send = () => limited.request('/api/v1/auth/login/2fa/send', { method: 'POST', json: { challenge: 'forged' } });
      for (let i = 0; i < 2; i += 1) expect((await send()).status).toBe(401);
      expect((await send()).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
