import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerUser, uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { call, form } from './helpers.js';

const clock = new TestClock();
let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '002' }, clock });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

/** A password both 002's rules (an upper-case letter, a digit, a special character) and ours take. */
const PASSWORD = 'Plum-Kettle-47*';
const at = (path: string) => `/compat/002${path}`;
const post = (path: string, json: unknown, headers: Record<string, string> = {}) => call(server, at(path), { method: 'POST', json, headers });
/** 002's clients send the access token as the bare header. */
const bare = (token: string) => ({ authorization: token });

/** `atob` as a browser has it: plain base64 only. */
const atob = (segment: string) => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(segment)) throw new Error(`not plain base64: ${segment}`);
  return Buffer.from(segment, 'base64').toString('binary');
};
const claimsOf = (jwt: string) => JSON.parse(atob(jwt.split('.')[1]!)) as Record<string, unknown>;

function newPerson() {
  const username = uniqueName('v').slice(0, 20);
  return { username, email: `${username.toLowerCase()}@ex.test`, password: PASSWORD };
}

/** The sessions /api/v1 lists for the owner of this access token. */
async function sessionIds(accessToken: string): Promise<number[]> {
  const sessions = (await (await server.request('/api/v1/auth/sessions', { headers: bearer(accessToken) })).json()) as { items?: Array<{ id: number }> } | Array<{ id: number }>;
  return (Array.isArray(sessions) ? sessions : (sessions.items ?? [])).map((s) => s.id);
}

async function signUp(person = newPerson()) {
  const res = await post('/user/signup/', person);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const refresh = res.body.refresh_token as string;
  const access = (await post('/user/refresh-access-jwt/', { refresh_token: refresh })).body.access_token as string;
  return { ...person, id: claimsOf(refresh).user_id as number, refresh, access };
}

describe('002: signup, signin and tokens', () => {
  it('signs up as the document posts it, answering 201 and a refresh token whose claims the client reads with atob', async () => {
    const person = newPerson();
    const res = await post('/user/signup/', person);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ refresh_token: expect.any(String) });
    const claims = claimsOf(res.body.refresh_token);
    expect(claims).toMatchObject({ token_type: 'refresh', user_id: expect.any(Number), exp: expect.any(Number), iat: expect.any(Number), sid: expect.any(Number) });
    expect(JSON.parse(atob(res.body.refresh_token.split('.')[0]))).toEqual({ alg: 'HS256', typ: 'JWT' });
    // One world: the account logs in on /api/v1, and its session is listed there.
    const tokens = await login(server, person);
    expect(await sessionIds(tokens.accessToken)).toContain(claims.sid);
  });

  it('refuses signups the document refuses, with 401 and every problem as a string', async () => {
    const weak = await post('/user/signup/', { ...newPerson(), password: 'alllowercase' });
    expect(weak.status).toBe(401);
    expect(weak.body.errors).toEqual(expect.arrayContaining(['Password must contain at least one uppercase letter', 'Password must contain at least one digit', 'Password must contain at least one special character']));
    const long = await post('/user/signup/', { ...newPerson(), username: 'a'.repeat(21), email: `${'e'.repeat(45)}@ex.test` });
    expect(long.status).toBe(401);
    expect(long.body.errors).toEqual(['Username must be between 1 and 20 characters long', 'Email must be between 1 and 50 characters long']);
    const taken = await signUp();
    const again = await post('/user/signup/', { ...newPerson(), username: taken.username });
    expect(again.status).toBe(401);
    expect(again.body.errors).toEqual([expect.stringMatching(/username/i)]);
    const missing = await post('/user/signup/', {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ errors: ['username: This field is required.'] });
    for (const bad of [{ ...newPerson(), username: ['a'] }, { ...newPerson(), email: 5 }, ['x']]) {
      const res = await post('/user/signup/', bad);
      expect(res.status).toBe(401);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
  });

  it('signs in with {username, password} and with {login, password} by username or e-mail; wrong credentials are 401', async () => {
    const user = await signUp();
    for (const body of [{ username: user.username, password: PASSWORD }, { login: user.username, password: PASSWORD }, { login: user.email, password: PASSWORD }]) {
      const res = await post('/user/signin/', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(claimsOf(res.body.refresh_token).user_id).toBe(user.id);
    }
    const formBody = await call(server, at('/user/signin/'), { method: 'POST', ...form({ username: user.username, password: PASSWORD }) });
    expect(formBody.status).toBe(201);
    const wrong = await post('/user/signin/', { username: user.username, password: 'Wrong-pass-1*' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: [expect.any(String)] });
    const missing = await post('/user/signin/', { username: user.username });
    expect(missing.status).toBe(401);
    expect(missing.body.errors).toEqual(['password: This field is required.']);
    // An account made on /api/v1 signs in here.
    const canonical = await registerUser(server, { password: PASSWORD });
    expect((await post('/user/signin/', { username: canonical.username, password: PASSWORD })).status).toBe(201);
  });

  it('trades a refresh token for an access token (400 otherwise), sent as the bare Authorization header', async () => {
    const user = await signUp();
    const claims = claimsOf(user.access);
    expect(claims).toMatchObject({ token_type: 'access', user_id: user.id, exp: expect.any(Number), iat: expect.any(Number) });
    expect(Number.isInteger(claims.user_id)).toBe(true);
    const me = await call(server, at('/user/me/'), { headers: bare(user.access) });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, username: user.username, email: user.email, '2fa': false });
    expect((await call(server, at('/user/me/'), { headers: bearer(user.access) })).status).toBe(200);
    for (const body of [{ refresh_token: 'nope' }, { refresh_token: user.access }, {}, { refresh_token: 5 }]) {
      const res = await post('/user/refresh-access-jwt/', body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
    const none = await call(server, at('/user/me/'));
    expect(none.status).toBe(401);
    expect(none.body.errors).toEqual([expect.any(String)]);
    const bad = await call(server, at('/user/me/'), { headers: bare('garbage') });
    expect(bad.status).toBe(401);
  });

  it('makes tokens whose header and payload are plain base64, over many tokens', async () => {
    const user = await signUp();
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      const res = await post('/user/refresh-access-jwt/', { refresh_token: user.refresh });
      seen.push(res.body.access_token);
    }
    for (const token of [...seen, user.refresh]) {
      const [header, payload] = token.split('.');
      expect(`${header}.${payload}`).not.toMatch(/[-_]/);
      expect(() => claimsOf(token)).not.toThrow();
    }
  });

  it('a token ends with its session: logging out on /api/v1 ends the 002 tokens of that session', async () => {
    const user = await signUp();
    const sid = claimsOf(user.refresh).sid as number;
    const canonical = await login(server, user);
    expect(await sessionIds(canonical.accessToken)).toContain(sid);
    const ended = await server.request(`/api/v1/auth/sessions/${sid}`, { method: 'DELETE', headers: bearer(canonical.accessToken) });
    expect(ended.status).toBeLessThan(300);
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).status).toBe(401);
    expect((await post('/user/refresh-access-jwt/', { refresh_token: user.refresh })).status).toBe(400);
  });

  it('tells whether a username or an address is taken', async () => {
    const user = await signUp();
    expect((await post('/user/username-exist/', { username: user.username })).body).toEqual({ is_taken: true });
    expect((await post('/user/username-exist/', { username: user.username.toUpperCase() })).body).toEqual({ is_taken: true });
    expect((await post('/user/username-exist/', { username: uniqueName('free') })).body).toEqual({ is_taken: false });
    expect((await post('/user/email-exist/', { email: user.email })).body).toEqual({ is_taken: true });
    expect((await post('/user/email-exist/', { email: 'nobody-here@ex.test' })).body).toEqual({ is_taken: false });
    const missing = await post('/user/email-exist/', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ errors: ['email: This field is required.'] });
  });
});

describe('002: people', () => {
  it('shows a person by id, by username, by /user/id/<id>/, and names ids in bulk', async () => {
    const a = await signUp();
    const b = await signUp();
    for (const path of [`/user/${b.id}/`, `/user/${b.id}`, `/user/id/${b.id}/`, `/user/${b.username}/`]) {
      const res = await call(server, at(path), { headers: bare(a.access) });
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ id: b.id, username: b.username, avatar: expect.stringMatching(/^\/files\//) });
    }
    expect((await call(server, at('/user/999999999/'), { headers: bare(a.access) })).status).toBe(404);
    expect((await call(server, at('/user/no-such-name-x/'), { headers: bare(a.access) })).body).toEqual({ errors: ['User not found'] });
    expect((await call(server, at('/user/id/abc/'), { headers: bare(a.access) })).status).toBe(404);
    // Text no store can keep is no such person, on SQLite and PostgreSQL alike.
    for (const path of ['/user/%00/', '/user/avatar/%00/']) {
      expect((await call(server, at(path), { headers: bare(a.access) })).status, path).toBe(404);
    }
    const list = await post('/user/id-list/', { id_list: [a.id, b.id, 999999999] }, bare(a.access));
    expect(list.body).toEqual({ [a.id]: a.username, [b.id]: b.username });
  });

  it('searches usernames ({"usernames"} and the same list as "users"); an empty one is an error', async () => {
    const a = await signUp();
    const stem = uniqueName('srch').slice(0, 12);
    const b = await signUp({ ...newPerson(), username: `${stem}a`, email: `${stem}a@ex.test` });
    await signUp({ ...newPerson(), username: `${stem}b`, email: `${stem}b@ex.test` });
    const res = await post('/user/search-username/', { username: stem }, bare(a.access));
    expect(res.status).toBe(200);
    expect([...res.body.usernames].sort()).toEqual([`${stem}a`, `${stem}b`]);
    expect(res.body.users).toEqual(res.body.usernames);
    expect(b.id).toBeGreaterThan(0);
    const empty = await post('/user/search-username/', { username: '' }, bare(a.access));
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ errors: ['Username not found'] });
  });
});

describe('002: every answer is JSON', () => {
  it('answers unknown paths with a JSON 404 and other methods with a JSON 405', async () => {
    const notFound = await call(server, at('/user/nothing/here/'));
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ errors: ['Not found'] });
    const wrongMethod = await call(server, at('/user/signup/'), { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.errors).toEqual([expect.any(String)]);
    const malformed = await call(server, at('/user/signin/'), { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBeGreaterThanOrEqual(400);
    expect(malformed.body.errors).toEqual([expect.any(String)]);
  });
});

const totpCode = (secret: string) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now() });
const STEP_MS = 30_000;

describe('002: a forgotten password', () => {
  it('mails a 6-character code, answers the masked address and when it expires; checks the code; changes the password and spends the code', async () => {
    const user = await signUp();
    const after = mail.messages.length;
    const sent = await post('/user/forgot-password/send-code/', { email: user.email });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ ok: 'Email sent', email: expect.stringMatching(/^\*+[^*]{2}@ex\.test$/), expires: expect.any(String) });
    expect(new Date(sent.body.expires).getTime()).toBeGreaterThan(clock.now());
    const code = /^\s*(\d{6})\s*$/m.exec((await mail.waitForMail(user.email, { subject: /reset/i, after })).text)?.[1];
    expect(code).toMatch(/^\d{6}$/);

    expect((await post('/user/forgot-password/check-code/', { email: user.email, code: code === '000000' ? '111111' : '000000' })).body).toEqual({ errors: [expect.any(String)] });
    expect((await post('/user/forgot-password/check-code/', { email: user.email, code })).body).toEqual({ ok: 'ok' });
    const weak = await post('/user/forgot-password/change-password/', { email: user.email, code, new_password: 'weakpassword' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors.length).toBeGreaterThan(0);
    const changed = await post('/user/forgot-password/change-password/', { email: user.email, code, new_password: 'New-Plum-48*' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    // The code is spent, the new password signs in, the old one no longer does.
    expect((await post('/user/forgot-password/change-password/', { email: user.email, code, new_password: 'Other-Plum-49*' })).status).toBe(400);
    expect((await post('/user/forgot-password/check-code/', { email: user.email, code })).status).toBe(400);
    expect((await post('/user/signin/', { username: user.username, password: 'New-Plum-48*' })).status).toBe(201);
    expect((await post('/user/signin/', { username: user.username, password: PASSWORD })).status).toBe(401);
  });

  it('answers an unknown address as a known one, and sends nothing', async () => {
    const count = mail.messages.length;
    const res = await post('/user/forgot-password/send-code/', { email: 'nobody-at-all@ex.test' });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe('Email sent');
    expect(mail.messages.length).toBe(count);
  });
});

describe('002: update-infos', () => {
  it('changes the username with the access token in the body, as documented, or in the header', async () => {
    const user = await signUp();
    const name = uniqueName('n').slice(0, 20);
    const res = await post('/user/update-infos/', { access_token: user.access, change_list: ['username'], username: name });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ ok: 'ok' });
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).body.username).toBe(name);
    const other = uniqueName('m').slice(0, 20);
    expect((await post('/user/update-infos/', { change_list: ['username'], username: other }, bare(user.access))).status).toBe(200);
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).body.username).toBe(other);
  });

  it('changes the password (other sessions end, this one stays), with 002\'s rules', async () => {
    const user = await signUp();
    const otherSession = (await post('/user/signin/', { username: user.username, password: PASSWORD })).body.refresh_token as string;
    const weak = await post('/user/update-infos/', { access_token: user.access, change_list: ['password'], password: 'nouppercase1*' });
    expect(weak.status).toBe(400);
    expect(weak.body.errors).toEqual(['Password must contain at least one uppercase letter']);
    const res = await post('/user/update-infos/', { access_token: user.access, change_list: ['password'], password: 'Fresh-Plum-50*' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await post('/user/signin/', { username: user.username, password: 'Fresh-Plum-50*' })).status).toBe(201);
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).status).toBe(200);
    expect((await post('/user/refresh-access-jwt/', { refresh_token: otherSession })).status).toBe(400);
  });

  it('refuses a bad change_list, a missing value, no token, and a changed e-mail without the current password', async () => {
    const user = await signUp();
    for (const body of [
      { access_token: user.access, change_list: [] },
      { access_token: user.access, change_list: ['admin'] },
      { access_token: user.access },
      { access_token: user.access, change_list: ['username'] },
      { access_token: user.access, change_list: 'username' },
    ]) {
      const res = await post('/user/update-infos/', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.any(String)]));
    }
    expect((await post('/user/update-infos/', { change_list: ['username'], username: 'whoever' })).status).toBe(401);
    expect((await post('/user/update-infos/', { access_token: 'forged', change_list: ['username'], username: 'whoever' })).status).toBe(401);
    const email = await post('/user/update-infos/', { access_token: user.access, change_list: ['email'], email: 'new-one@ex.test' });
    expect(email.status).toBe(400);
    expect(email.body.errors).toEqual([expect.stringContaining('current_password')]);
    const withPassword = await post('/user/update-infos/', { access_token: user.access, change_list: ['email'], email: `${user.username.toLowerCase()}-new@ex.test`, current_password: PASSWORD });
    expect(withPassword.status, JSON.stringify(withPassword.body)).toBe(200);
  });
});

describe('002: two-factor sign-in', () => {
  it('enables with a QR code (image/png) and a verified code; signin then answers {"2fa": true} until the code comes; disables', async () => {
    const user = await signUp();
    const enable = await server.request(at('/user/2fa/enable'), { method: 'POST', headers: bare(user.access), json: { password: PASSWORD } });
    expect(enable.status).toBe(200);
    expect(enable.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await enable.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    // The secret behind the QR code, read as the web app would get it (a setup replaces the pending one).
    const { accessToken } = await login(server, user);
    const setup = (await (await server.request('/api/v1/auth/2fa/totp/setup', { method: 'POST', headers: bearer(accessToken), json: { password: PASSWORD } })).json()) as { secret: string };

    const wrong = await post('/user/2fa/verify/', { code: '000000' }, bare(user.access));
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual([expect.any(String)]);
    const verified = await post('/user/2fa/verify', { code: totpCode(setup.secret) }, bare(user.access));
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ message: '2fa verified' });
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).body['2fa']).toBe(true);
    clock.advance(STEP_MS);

    const flagged = await post('/user/signin/', { username: user.username, password: PASSWORD });
    expect(flagged.status).toBe(200);
    expect(flagged.body).toEqual({ '2fa': true });
    const badCode = await post('/user/signin/', { login: user.email, password: PASSWORD, '2fa_code': '000000' });
    expect(badCode.status).toBe(401);
    expect(badCode.body.errors).toEqual([expect.any(String)]);
    const signedIn = await post('/user/signin/', { login: user.email, password: PASSWORD, '2fa_code': totpCode(setup.secret) });
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(201);
    expect(claimsOf(signedIn.body.refresh_token).user_id).toBe(user.id);
    clock.advance(STEP_MS);

    const disabled = await post('/user/2fa/disable/', { password: PASSWORD, code: totpCode(setup.secret) }, bare(user.access));
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body).toEqual({ message: '2fa disabled' });
    const again = await post('/user/2fa/disable', {}, bare(user.access));
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ errors: ['2FA is already disabled'] });
    expect((await post('/user/signin/', { username: user.username, password: PASSWORD })).status).toBe(201);
  });

  it('needs the password to start, as /api/v1 does', async () => {
    const user = await signUp();
    const res = await post('/user/2fa/enable/', {}, bare(user.access));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body.errors).toEqual([expect.any(String)]);
    expect((await call(server, at('/user/2fa/enable'), { method: 'POST' })).status).toBe(401);
  });
});

describe('002: friends', () => {
  it('requests, lists as pending, accepts, lists as accepted, removes; declines', async () => {
    const a = await signUp();
    const b = await signUp();
    const c = await signUp();
    expect((await post('/user/friends/request/', { friend_id: b.id }, bare(a.access))).body).toEqual({ status: 'pending' });
    const pending = await call(server, at('/user/friends/'), { headers: bare(b.access) });
    expect(pending.body.friends).toEqual([{ id: a.id, username: a.username, status: 'pending', direction: 'incoming' }]);
    // Only the one asked may accept: the asker cannot accept for them.
    const selfAccept = await post('/user/friends/accept/', { friend_id: b.id }, bare(a.access));
    expect(selfAccept.status).toBe(400);
    expect((await post('/user/friends/accept/', { friend_id: a.id }, bare(b.access))).body).toEqual({ status: 'accepted' });
    expect((await call(server, at('/user/friends/'), { headers: bare(a.access) })).body.friends).toEqual([{ id: b.id, username: b.username, status: 'accepted' }]);
    const removed = await call(server, at(`/user/friends/?friend_id=${b.id}`), { method: 'DELETE', headers: bare(a.access) });
    expect(removed.status).toBe(200);
    expect((await call(server, at('/user/friends/'), { headers: bare(b.access) })).body.friends).toEqual([]);

    await post('/user/friends/request/', { friend_id: a.id }, bare(c.access));
    expect((await post('/user/friends/decline/', { friend_id: c.id }, bare(a.access))).body).toEqual({ status: 'declined' });
    expect((await call(server, at('/user/friends/'), { headers: bare(c.access) })).body.friends).toEqual([]);
    // One world: someone on /api/v1 accepts a request sent through 002.
    const canonical = await registerUser(server, { password: PASSWORD });
    await post('/user/friends/request/', { friend_id: canonical.id }, bare(a.access));
    const accepted = await server.request(`/api/v1/friends/${a.id}`, { method: 'PUT', headers: bearer((await login(server, canonical)).accessToken) });
    expect(accepted.status).toBe(200);
    expect((await call(server, at('/user/friends/'), { headers: bare(a.access) })).body.friends).toEqual([{ id: canonical.id, username: canonical.username, status: 'accepted' }]);
    for (const body of [{}, { friend_id: 'x' }, { friend_id: 999999999 }, { friend_id: a.id }]) {
      const res = await post('/user/friends/request/', body, bare(a.access));
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
  });
});

describe('002: avatars, deletion, e-mail verification', () => {
  it('sets an avatar from a data URL, sends <img> on to it, and resets it', async () => {
    const user = await signUp();
    const dataUrl = `data:image/png;base64,${blackPng(32, 32).toString('base64')}`;
    const set = await post('/user/avatar/', { avatar: dataUrl }, bare(user.access));
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const shown = await server.request(at(`/user/avatar/${user.username}/`), { redirect: 'manual' });
    expect(shown.status).toBe(302);
    expect(shown.headers.get('location')).toBe(set.body.avatar);
    const image = await server.request(shown.headers.get('location')!);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toMatch(/^image\//);
    const reset = await call(server, at('/user/avatar/'), { method: 'DELETE', headers: bare(user.access) });
    expect(reset.status).toBe(200);
    expect(reset.body.avatar).not.toBe(set.body.avatar);
    for (const avatar of ['not a data url!', 'data:image/png;base64,aGVsbG8=']) {
      const res = await post('/user/avatar/', { avatar }, bare(user.access));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.body.errors).toEqual([expect.any(String)]);
    }
    expect((await call(server, at('/user/avatar/nobody-here-x/'))).status).toBe(404);
  });

  it('deletes the account with its password; its tokens end', async () => {
    const user = await signUp();
    const noPassword = await call(server, at('/user/delete-account/'), { method: 'DELETE', headers: bare(user.access) });
    expect(noPassword.status).toBeGreaterThanOrEqual(400);
    const res = await call(server, at('/user/delete-account/'), { method: 'DELETE', headers: bare(user.access), json: { password: PASSWORD } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await call(server, at('/user/me/'), { headers: bare(user.access) })).status).toBe(401);
    expect((await post('/user/signin/', { username: user.username, password: PASSWORD })).status).toBe(401);
  });

  it('verifies the address with the mailed token and signs in; a wrong id or token is 400', async () => {
    const person = newPerson();
    await post('/user/signup/', person);
    const link = (await mail.waitForMail(person.email, { subject: /verify|confirm/i })).text;
    const token = decodeURIComponent(/[?&]token=([^&\s]+)/.exec(link)?.[1] ?? '');
    const id = claimsOf((await post('/user/signin/', { username: person.username, password: PASSWORD })).body.refresh_token).user_id as number;
    expect((await post(`/user/verify-email/${id}/not-the-token/`, {})).status).toBe(400);
    const res = await post(`/user/verify-email/${id}/${encodeURIComponent(token)}/`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(claimsOf(res.body.refresh_token).user_id).toBe(id);
    expect((await post(`/user/verify-email/${id}/${encodeURIComponent(token)}/`, {})).status).toBe(400);
  });
});

describe('002: with REQUIRE_EMAIL_VERIFICATION on', () => {
  it('creates the account without a session, and the mailed token then signs in', async () => {
    const verifying = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '002', REQUIRE_EMAIL_VERIFICATION: 'true' } });
    try {
      const person = newPerson();
      const res = await call(verifying, at('/user/signup/'), { method: 'POST', json: person });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ refresh_token: null, message: expect.any(String) });
      const refused = await call(verifying, at('/user/signin/'), { method: 'POST', json: { username: person.username, password: PASSWORD } });
      expect(refused.status).toBe(403);
      expect(refused.body.errors).toEqual([expect.any(String)]);
      const token = decodeURIComponent(/[?&]token=([^&\s]+)/.exec((await mail.waitForMail(person.email, { subject: /verify|confirm/i })).text)?.[1] ?? '');
      // Its id, as someone signed in sees it (the client has it from the link its own backend mailed).
      const other = await registerUser(verifying, { password: PASSWORD });
      await verifying.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: decodeURIComponent(/[?&]token=([^&\s]+)/.exec((await mail.waitForMail(other.email, { subject: /verify|confirm/i })).text)?.[1] ?? '') } });
      const viewer = (await call(verifying, at('/user/signin/'), { method: 'POST', json: { username: other.username, password: PASSWORD } })).body.refresh_token as string;
      const viewerAccess = (await call(verifying, at('/user/refresh-access-jwt/'), { method: 'POST', json: { refresh_token: viewer } })).body.access_token as string;
      const { id } = (await call(verifying, at(`/user/${person.username}/`), { headers: bare(viewerAccess) })).body as { id: number };
      const verified = await call(verifying, at(`/user/verify-email/${id}/${encodeURIComponent(token)}/`), { method: 'POST' });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      expect(claimsOf(verified.body.refresh_token).user_id).toBe(id);
      expect((await call(verifying, at('/user/signin/'), { method: 'POST', json: { username: person.username, password: PASSWORD } })).status).toBe(201);
    } finally {
      await verifying.close();
    }
  });
});

describe('002 at the root (COMPAT_ROOT=002)', () => {
  it('serves its paths at the root as well, and ours keep answering', async () => {
    const rooted = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '002', COMPAT_ROOT: '002' } });
    try {
      const res = await call(rooted, '/user/username-exist/', { method: 'POST', json: { username: uniqueName('free') } });
      expect(res.body).toEqual({ is_taken: false });
      expect((await call(rooted, '/user/signup/', { method: 'GET' })).status).toBe(405);
      expect((await rooted.request('/health')).status).toBe(200);
    } finally {
      await rooted.close();
    }
  });
});
