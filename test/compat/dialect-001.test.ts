import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, PASSWORD, uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { multipart, type Part } from '../helpers/multipart.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { call, claimsOf, form } from './helpers.js';

const clock = new TestClock();
let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, COMPAT_DIALECTS: '001' }, clock });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

const at = (path: string) => `/compat/001${path}`;
const NEW_PASSWORD = 'quartz-lantern-92-meadow';

interface User001 {
  id: number;
  username: string;
  email: string;
  access: string;
  refresh: string;
}

/** Registers as the document posts it (form data) and logs in. */
async function user001(): Promise<User001> {
  const username = uniqueName('u1');
  const email = `${username}@example.test`.toLowerCase();
  const reg = await call(server, at('/auth/register/'), {
    method: 'POST',
    ...form({ username, password: PASSWORD, password2: PASSWORD, email, first_name: 'Ana', last_name: 'Pop' }),
  });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const tokens = await call(server, at('/auth/login/'), { method: 'POST', ...form({ username, password: PASSWORD }) });
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return { id: reg.body.id as number, username, email, access: tokens.body.access as string, refresh: tokens.body.refresh as string };
}

type Init = Omit<RequestInit, 'headers'> & { json?: unknown; headers?: Record<string, string> };

/** A request as this user, with their access token. */
const as = (user: User001, init: Init = {}): Init => ({
  ...init,
  headers: { ...init.headers, ...bearer(user.access) },
});

const withBody = (user: User001, parts: Part[]) => {
  const { body, contentType } = multipart(parts);
  return as(user, { body, headers: { 'content-type': contentType } });
};

const loginStatus = async (username: string, password: string) => (await call(server, at('/auth/login/'), { method: 'POST', json: { username, password } })).status;

/** The user's access token on /api/v1, for doing there what 001 has no path for. */
const canonicalToken = async (user: User001) => (await login(server, { username: user.username, password: PASSWORD })).accessToken;

async function privateChat(a: User001, b: User001): Promise<number> {
  const res = await call(server, at('/chat/'), as(a, { method: 'POST', json: { name: 'Nume', users: [a.id, b.id], type: 'privat' } }));
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  return res.body.id as number;
}

async function groupChat(owner: User001, members: User001[], name = 'Grup'): Promise<number> {
  const res = await call(server, at('/chat/'), as(owner, { method: 'POST', json: { name, users: members.map((m) => m.id), type: 'grup' } }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

const uploadsOf = async (userId: number) =>
  (await server.app.database.db.selectFrom('uploads').select(['id', 'message_id']).where('owner_id', '=', userId).execute()).length;

describe('001: registration, login and refresh', () => {
  it('registers as the document posts it, in form data or JSON, answering the user with last_name and second_name', async () => {
    const username = uniqueName('u1');
    const email = `${username}@example.test`.toLowerCase();
    const res = await call(server, at('/auth/register/'), {
      method: 'POST',
      ...form({ username, password: PASSWORD, password2: PASSWORD, email, first_name: 'Catalin', last_name: 'Barus' }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), username, email, first_name: 'Catalin', last_name: 'Barus', second_name: 'Barus' });

    const other = uniqueName('u1');
    const json = await call(server, at('/auth/register/'), {
      method: 'POST',
      json: { username: other, password: PASSWORD, password2: PASSWORD, email: `${other}@example.test`, first_name: 'Costin', last_name: 'Brebu' },
    });
    expect(json.status).toBe(201);
    // Names may be left out, as on /api/v1.
    const bare = uniqueName('u1');
    expect((await call(server, at('/auth/register/'), { method: 'POST', json: { username: bare, password: PASSWORD, password2: PASSWORD, email: `${bare}@example.test` } })).status).toBe(201);
  });

  it('makes an ordinary account: it logs in on /api/v1 and is told to verify its address', async () => {
    const user = await user001();
    const canonical = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: PASSWORD } });
    expect(canonical.status).toBe(200);
    await mail.waitForMail(user.email, { subject: /verify|confirm/i });
  });

  it('answers bad registrations in DRF shape under the document’s field names', async () => {
    const user = await user001();
    const fresh = () => {
      const username = uniqueName('u1');
      return { username, password: PASSWORD, password2: PASSWORD, email: `${username}@example.test` };
    };
    const register = (json: unknown) => call(server, at('/auth/register/'), { method: 'POST', json });

    const mismatch = await register({ ...fresh(), password2: 'other-password-77' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toEqual({ password2: [expect.any(String)] });
    const weak = await register({ ...fresh(), password: 'short', password2: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.password).toEqual(expect.arrayContaining([expect.any(String)]));
    const takenName = await register({ ...fresh(), username: user.username.toUpperCase() });
    expect(takenName.status).toBe(400);
    expect(takenName.body).toEqual({ username: [expect.any(String)] });
    const takenEmail = await register({ ...fresh(), email: user.email });
    expect(takenEmail.status).toBe(400);
    expect(takenEmail.body).toEqual({ email: [expect.any(String)] });
    const badEmail = await register({ ...fresh(), email: 'not-an-address' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body).toEqual({ email: ['must be a valid e-mail address'] });
    const badName = await register({ ...fresh(), first_name: 'x'.repeat(101) });
    expect(badName.body).toEqual({ first_name: [expect.any(String)] });
    const controlName = await register({ ...fresh(), last_name: 'a\u0007b' });
    expect(controlName.body).toEqual({ last_name: [expect.any(String)] });

    expect((await register({})).body).toEqual({ username: ['This field is required.'] });
    const { password2: _omitted, ...noConfirm } = fresh();
    expect((await register(noConfirm)).body).toEqual({ password2: ['This field is required.'] });
    expect((await register({ ...fresh(), username: ['a', 'b'] })).body).toEqual({ username: ['Not a valid string.'] });
    expect((await register({ ...fresh(), email: 42 })).status).toBe(400);
    expect((await register({ ...fresh(), first_name: 'x'.repeat(100_000) })).status).toBe(400);
    expect((await register(['x'])).body).toEqual({ non_field_errors: ['Invalid data. Expected a dictionary.'] });
    expect((await register('"text"')).status).toBe(400);
    const malformed = await call(server, at('/auth/register/'), { method: 'POST', body: '{"username": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ detail: expect.any(String) });
  });

  it('logs in by username with SimpleJWT tokens whose access lives five minutes; wrong credentials are SimpleJWT’s 401', async () => {
    const user = await user001();
    const access = claimsOf(user.access);
    expect(access).toMatchObject({ token_type: 'access', user_id: user.id });
    expect((access.exp as number) - (access.iat as number)).toBe(300);
    expect(claimsOf(user.refresh)).toMatchObject({ token_type: 'refresh', user_id: user.id });
    const json = await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username, password: PASSWORD } });
    expect(Object.keys(json.body).sort()).toEqual(['access', 'refresh']);

    const wrong = await call(server, at('/auth/login/'), { method: 'POST', ...form({ username: user.username, password: 'wrong-password-1' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ detail: 'No active account found with the given credentials' });
    expect((await call(server, at('/auth/login/'), { method: 'POST', json: { username: user.username } })).body).toEqual({ password: ['This field is required.'] });
  });

  it('refreshes with rotation: a new pair each time, and the old refresh token is spent', async () => {
    const user = await user001();
    const first = await call(server, at('/auth/login/refresh/'), { method: 'POST', ...form({ refresh: user.refresh }) });
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['access', 'refresh']);
    expect(claimsOf(first.body.refresh).rt).not.toBe(claimsOf(user.refresh).rt);
    expect((await call(server, at('/auth/me/'), { headers: bearer(first.body.access) })).status).toBe(200);
    const second = await call(server, at('/auth/login/refresh/'), { method: 'POST', json: { refresh: first.body.refresh } });
    expect(second.status).toBe(200);

    // Past the grace given to two tabs refreshing at once, the spent token is refused.
    clock.advance(61_000);
    const spent = await call(server, at('/auth/login/refresh/'), { method: 'POST', json: { refresh: user.refresh } });
    expect(spent.status).toBe(401);
    expect(spent.body).toEqual({ detail: 'Token is invalid or expired' });
    expect((await call(server, at('/auth/login/refresh/'), { method: 'POST', json: { refresh: user.access } })).status).toBe(401);
    expect((await call(server, at('/auth/login/refresh/'), { method: 'POST', json: {} })).body).toEqual({ refresh: ['This field is required.'] });
  });
});

describe('001: the current user', () => {
  it('answers auth/me/ with the document’s fields, last_online and profile_picture', async () => {
    const user = await user001();
    const me = await call(server, at('/auth/me/'), as(user));
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      id: user.id,
      username: user.username,
      first_name: 'Ana',
      last_name: 'Pop',
      last_online: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      email: user.email,
      profile_picture: null,
    });
  });

  it('answers 401 in DRF shape without or with a bad credential, and a JSON 404 for unknown paths', async () => {
    const none = await call(server, at('/auth/me/'));
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect((await call(server, at('/auth/me/'), { headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
    const unknown = await call(server, at('/auth/nothing/'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Not found.' });
    const user = await user001();
    expect((await call(server, at('/auth/update_profile/abc'), as(user, { method: 'PUT', json: {} }))).status).toBe(404);
  });
});

describe('001: change_password/<id>', () => {
  it('changes the caller’s password as the document sends it (PUT, form data, no trailing slash), answering {}', async () => {
    const user = await user001();
    const res = await call(server, at(`/auth/change_password/${user.id}`), as(user, { method: 'PUT', ...form({ password: NEW_PASSWORD, password2: NEW_PASSWORD, old_password: PASSWORD }) }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({});
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
    expect(await loginStatus(user.username, PASSWORD)).toBe(401);
    // The session that asked stays signed in.
    expect((await call(server, at('/auth/me/'), as(user))).status).toBe(200);
    // With a trailing slash and JSON too.
    const back = await call(server, at(`/auth/change_password/${user.id}/`), as(user, { method: 'PUT', json: { password: PASSWORD, password2: PASSWORD, old_password: NEW_PASSWORD } }));
    expect(back.status).toBe(200);
    expect(await loginStatus(user.username, PASSWORD)).toBe(200);
  });

  it('refuses another user’s id with 403 and changes nothing', async () => {
    const [user, victim] = [await user001(), await user001()];
    const res = await call(server, at(`/auth/change_password/${victim.id}`), as(user, { method: 'PUT', json: { password: NEW_PASSWORD, password2: NEW_PASSWORD, old_password: PASSWORD } }));
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ detail: expect.any(String) });
    expect(await loginStatus(victim.username, PASSWORD)).toBe(200);
    expect(await loginStatus(user.username, PASSWORD)).toBe(200);
    // An id that is nobody's is not a way to learn who exists.
    expect((await call(server, at('/auth/change_password/99999999'), as(user, { method: 'PUT', json: {} }))).status).toBe(403);
    expect((await call(server, at(`/auth/change_password/${user.id}`), { method: 'PUT', json: {} })).status).toBe(401);
  });

  it('keeps /api/v1’s rules: the old password, a strong new one, the same twice', async () => {
    const user = await user001();
    const change = (json: unknown) => call(server, at(`/auth/change_password/${user.id}`), as(user, { method: 'PUT', json }));
    const wrongOld = await change({ password: NEW_PASSWORD, password2: NEW_PASSWORD, old_password: 'not-my-password-5' });
    expect(wrongOld.status).toBe(400);
    expect(wrongOld.body).toEqual({ old_password: [expect.any(String)] });
    const mismatch = await change({ password: NEW_PASSWORD, password2: `${NEW_PASSWORD}x`, old_password: PASSWORD });
    expect(mismatch.body).toEqual({ password2: [expect.any(String)] });
    const weak = await change({ password: 'short', password2: 'short', old_password: PASSWORD });
    expect(weak.body.password).toEqual(expect.arrayContaining([expect.any(String)]));
    const same = await change({ password: PASSWORD, password2: PASSWORD, old_password: PASSWORD });
    expect(same.body).toEqual({ password: [expect.any(String)] });
    expect((await change({ password: NEW_PASSWORD, password2: NEW_PASSWORD })).body).toEqual({ old_password: ['This field is required.'] });
    expect((await change({ password: 1, password2: NEW_PASSWORD, old_password: PASSWORD })).body).toEqual({ password: ['Not a valid string.'] });
    expect((await change('x')).status).toBe(400);
    expect(await loginStatus(user.username, PASSWORD)).toBe(200);
  });
});

describe('001: update_profile/<id>', () => {
  it('updates the caller’s profile as the document sends it (PUT, form data, no trailing slash)', async () => {
    const user = await user001();
    const username = uniqueName('n1');
    const res = await call(server, at(`/auth/update_profile/${user.id}`), as(user, { method: 'PUT', ...form({ username, first_name: 'Ion', last_name: 'Ionescu', email: user.email }) }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ username, first_name: 'Ion', last_name: 'Ionescu', email: user.email, profile_picture: null });
    const me = await call(server, at('/auth/me/'), as(user));
    expect(me.body).toMatchObject({ username, first_name: 'Ion', last_name: 'Ionescu' });
    const slash = await call(server, at(`/auth/update_profile/${user.id}/`), as(user, { method: 'PUT', json: { first_name: 'Ioana' } }));
    expect(slash.body.first_name).toBe('Ioana');
  });

  it('refuses another user’s id with 403 and changes nothing', async () => {
    const [user, victim] = [await user001(), await user001()];
    const { body, contentType } = multipart([
      { name: 'first_name', data: 'Hacked' },
      { name: 'profile_picture', filename: 'p.png', type: 'image/png', data: blackPng(8, 8) },
    ]);
    for (const init of [{ json: { first_name: 'Hacked', username: uniqueName('h') } }, { body, headers: { 'content-type': contentType } }]) {
      const res = await call(server, at(`/auth/update_profile/${victim.id}`), as(user, { method: 'PUT', ...init }));
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: expect.any(String) });
    }
    const seen = await call(server, at('/auth/me/'), as(victim));
    expect(seen.body).toMatchObject({ username: victim.username, first_name: 'Ana', profile_picture: null });
  });

  it('changes the e-mail address only with the current password in `password`, by a mailed link as on /api/v1', async () => {
    const user = await user001();
    const newEmail = `${uniqueName('m1')}@example.test`.toLowerCase();
    const update = (json: unknown) => call(server, at(`/auth/update_profile/${user.id}`), as(user, { method: 'PUT', json }));
    const without = await update({ email: newEmail });
    expect(without.status).toBe(400);
    expect(without.body).toEqual({ email: [expect.any(String)] });
    const wrong = await update({ email: newEmail, password: 'not-my-password-5' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ password: [expect.any(String)] });
    const bad = await update({ email: 'nope', password: PASSWORD });
    expect(bad.body).toEqual({ email: ['must be a valid e-mail address'] });

    const ok = await update({ email: newEmail, password: PASSWORD });
    expect(ok.status).toBe(200);
    // The current address stays until the link sent to the new one is opened.
    expect(ok.body.email).toBe(user.email);
    await mail.waitForMail(newEmail, { subject: /e-?mail|address|confirm|verify/i });
    // The address it has already, in another case, is no change and needs no password.
    expect((await update({ email: user.email.toUpperCase(), first_name: 'Same' })).status).toBe(200);
  });

  it('keeps /api/v1’s rules on usernames and names, with the document’s field names', async () => {
    const [user, other] = [await user001(), await user001()];
    const update = (json: unknown) => call(server, at(`/auth/update_profile/${user.id}`), as(user, { method: 'PUT', json }));
    expect((await update({ username: other.username })).body).toEqual({ username: [expect.any(String)] });
    expect((await update({ username: 'a b' })).body).toEqual({ username: [expect.any(String)] });
    expect((await update({ first_name: 'x'.repeat(101) })).body).toEqual({ first_name: [expect.any(String)] });
    expect((await update({ last_name: ['x'] })).body).toEqual({ last_name: ['Not a valid string.'] });
    expect((await update([1])).status).toBe(400);
    expect((await call(server, at('/auth/me/'), as(user))).body.username).toBe(user.username);
  });

  it('takes a profile picture as multipart `profile_picture`, served at an absolute URL', async () => {
    const user = await user001();
    const res = await call(server, at(`/auth/update_profile/${user.id}`), {
      method: 'PUT',
      ...withBody(user, [
        { name: 'first_name', data: 'Poza' },
        { name: 'profile_picture', filename: 'me.png', type: 'image/png', data: blackPng(64, 48) },
      ]),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.first_name).toBe('Poza');
    expect(res.body.profile_picture).toMatch(new RegExp(`^${server.url}/files/avatars/${user.id}/[\\w-]+/512\\.webp$`));
    const picture = await fetch(res.body.profile_picture as string);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/webp');
    expect((await call(server, at('/auth/me/'), as(user))).body.profile_picture).toBe(res.body.profile_picture);

    const notImage = await call(server, at(`/auth/update_profile/${user.id}`), {
      method: 'PUT',
      ...withBody(user, [{ name: 'profile_picture', filename: 'x.png', type: 'image/png', data: 'plain text, not an image' }]),
    });
    expect(notImage.status).toBe(400);
    expect(notImage.body).toEqual({ profile_picture: [expect.any(String)] });
  });
});

describe('001: chats', () => {
  it('creates a private chat as the document posts it, and finds the same one again', async () => {
    const [a, b] = [await user001(), await user001()];
    const res = await call(server, at('/chat/'), as(a, { method: 'POST', json: { name: 'Nume', users: [a.id, b.id], type: 'privat' } }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), name: b.username, type: 'privat', users: expect.arrayContaining([a.id, b.id]), created_at: expect.stringMatching(/Z$/) });
    expect(res.body.users).toHaveLength(2);
    const again = await call(server, at('/chat/'), as(b, { method: 'POST', ...form({ users: String(a.id), type: 'privat' }) }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: res.body.id, name: a.username });
  });

  it('creates a group for any other type, in form data with repeated users too', async () => {
    const [owner, x, y] = [await user001(), await user001(), await user001()];
    const res = await call(server, at('/chat/'), as(owner, { method: 'POST', ...form({ name: 'Proiect IP', users: [String(x.id), String(y.id)], type: 'grup' }) }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Proiect IP', type: 'group' });
    expect([...res.body.users].sort()).toEqual([owner.id, x.id, y.id].sort());
    const untyped = await call(server, at('/chat/'), as(owner, { method: 'POST', json: { name: 'Fara tip', users: [x.id] } }));
    expect(untyped.body.type).toBe('group');
  });

  it('refuses bad chats in DRF shape', async () => {
    const [a, b, c] = [await user001(), await user001(), await user001()];
    const create = (json: unknown) => call(server, at('/chat/'), as(a, { method: 'POST', json }));
    expect((await create({ users: [b.id, c.id], type: 'privat' })).body).toEqual({ users: [expect.any(String)] });
    expect((await create({ users: [a.id], type: 'privat' })).body).toEqual({ users: [expect.any(String)] });
    expect((await create({ users: [99_999_999], type: 'privat' })).status).toBe(404);
    expect((await create({ users: [b.id], type: 'group' })).body).toEqual({ name: [expect.any(String)] });
    expect((await create({ name: 'x'.repeat(101), users: [b.id] })).body).toEqual({ name: [expect.any(String)] });
    expect((await create({ name: 'G', users: [99_999_999] })).body).toEqual({ users: [expect.any(String)] });
    expect((await create({ name: 'G', users: ['x'] })).body).toEqual({ users: ['A valid integer is required.'] });
    expect((await create({ name: 'G', users: [0] })).status).toBe(400);
    expect((await create({ name: { a: 1 }, users: [] })).body).toEqual({ name: ['Not a valid string.'] });
    expect((await create(null)).status).toBe(400);
    expect((await call(server, at('/chat/'), { method: 'POST', json: { name: 'G', users: [] } })).status).toBe(401);
    expect(await call(server, at('/chat/'), as(a)).then((r) => r.body)).toEqual([]);
  });

  it('searches only the caller’s chats by ?name=', async () => {
    const [a, b, outsider] = [await user001(), await user001(), await user001()];
    const mine = await groupChat(a, [b], 'Echipa Rosie');
    await groupChat(outsider, [], 'Echipa Rosie');
    const direct = await privateChat(a, b);
    const byName = await call(server, at('/chat/?name=rosie'), as(a));
    expect(byName.status).toBe(200);
    expect(byName.body.map((c: { id: number }) => c.id)).toEqual([mine]);
    const byPerson = await call(server, at(`/chat/?name=${b.username}`), as(a));
    expect(byPerson.body.map((c: { id: number }) => c.id)).toEqual([direct]);
    expect((await call(server, at('/chat/?name=Echipa'), as(outsider))).body).toHaveLength(1);
    expect((await call(server, at(`/chat/?name=${'x'.repeat(101)}`), as(a))).body).toEqual({ name: [expect.any(String)] });
  });

  it('lists by ?users=<id> the caller’s chats that person is in, never another person’s chats', async () => {
    const [a, b, c] = [await user001(), await user001(), await user001()];
    const ab = await privateChat(a, b);
    const abc = await groupChat(a, [b, c]);
    const bc = await privateChat(b, c);
    const ids = async (who: User001, userId: number) => (await call(server, at(`/chat/?users=${userId}`), as(who))).body.map((x: { id: number }) => x.id).sort();
    // As the document's clients ask: their own chats.
    expect(await ids(a, a.id)).toEqual([ab, abc].sort());
    expect(await ids(a, b.id)).toEqual([ab, abc].sort());
    expect(await ids(a, c.id)).toEqual([abc]);
    expect(await ids(b, c.id)).toEqual([abc, bc].sort());
    expect(await ids(c, a.id)).toEqual([abc]);
    expect((await call(server, at('/chat/?users=abc'), as(a))).body).toEqual({ users: ['A valid integer is required.'] });
    expect((await call(server, at(`/chat/?users=${b.id}&name=Grup`), as(a))).body.map((x: { id: number }) => x.id)).toEqual([abc]);
  });

  it('adds a member with PATCH chat/<id> as the document sends it, answering the updated chat', async () => {
    const [owner, member, newcomer, later] = [await user001(), await user001(), await user001(), await user001()];
    const chatId = await groupChat(owner, [member]);
    const res = await call(server, at(`/chat/${chatId}`), as(owner, { method: 'PATCH', json: { users: newcomer.id } }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: chatId, type: 'group', users: expect.arrayContaining([owner.id, member.id, newcomer.id]) });
    const slash = await call(server, at(`/chat/${chatId}/`), as(owner, { method: 'PATCH', ...form({ users: String(later.id) }) }));
    expect(slash.body.users).toHaveLength(4);
    expect((await call(server, at(`/chat/?users=${owner.id}`), as(newcomer))).body.map((c: { id: number }) => c.id)).toEqual([chatId]);
  });

  it('adds members as /api/v1 lets them: owners and admins of groups, and only in the caller’s chats', async () => {
    const [owner, member, outsider, other] = [await user001(), await user001(), await user001(), await user001()];
    const chatId = await groupChat(owner, [member]);
    const patch = (who: User001, id: number, json: unknown) => call(server, at(`/chat/${id}`), as(who, { method: 'PATCH', json }));
    expect((await patch(member, chatId, { users: other.id })).status).toBe(403);
    expect((await patch(outsider, chatId, { users: outsider.id })).status).toBe(404);
    const direct = await privateChat(owner, member);
    expect((await patch(owner, direct, { users: other.id })).status).toBe(403);
    expect((await patch(owner, chatId, {})).body).toEqual({ users: ['This field is required.'] });
    expect((await patch(owner, chatId, { users: 'x' })).body).toEqual({ users: ['A valid integer is required.'] });
    expect((await patch(owner, chatId, { users: 99_999_999 })).body).toEqual({ users: [expect.any(String)] });
    const members = (await call(server, at(`/chat/?users=${owner.id}&name=Grup`), as(owner))).body[0].users;
    expect([...members].sort()).toEqual([owner.id, member.id].sort());
  });
});

describe('001: messages', () => {
  it('posts a message as the document sends it, answering the message object; it shows on /api/v1', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await privateChat(a, b);
    const res = await call(server, at(`/chat/messages/${chatId}`), as(a, { method: 'POST', json: { chat_id: chatId, from_user: a.id, text: 'Hello' } }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), chat_id: chatId, from_user: a.id, text: 'Hello', created_at: expect.stringMatching(/Z$/), photo: null, file: null });

    const canonical = await server.request(`/api/v1/chats/${chatId}/messages`, { headers: bearer(await canonicalToken(b)) });
    const items = ((await canonical.json()) as { items: Array<{ id: number; text: string; sender: { id: number } }> }).items;
    expect(items.map((m) => [m.id, m.text, m.sender.id])).toEqual([[res.body.id, 'Hello', a.id]]);

    // Form data and a trailing slash; from_user and chat_id may be left out.
    const formed = await call(server, at(`/chat/messages/${chatId}/`), as(b, { method: 'POST', ...form({ chat_id: String(chatId), from_user: String(b.id), text: 'Salut' }) }));
    expect(formed.status).toBe(201);
    const bare = await call(server, at(`/chat/messages/${chatId}`), as(b, { method: 'POST', json: { text: 'Ce faci?' } }));
    expect(bare.body).toMatchObject({ from_user: b.id, text: 'Ce faci?' });
  });

  it('lists a chat’s messages oldest first for clients that poll, with and without the slash', async () => {
    const [a, b, outsider] = [await user001(), await user001(), await user001()];
    const chatId = await groupChat(a, [b]);
    for (const [who, text] of [[a, 'unu'], [b, 'doi'], [a, 'trei']] as const) {
      expect((await call(server, at(`/chat/messages/${chatId}`), as(who, { method: 'POST', json: { chat_id: chatId, from_user: who.id, text } }))).status).toBe(201);
    }
    const list = await call(server, at(`/chat/messages/${chatId}`), as(b));
    expect(list.status).toBe(200);
    expect(list.body.map((m: { text: string; from_user: number }) => [m.text, m.from_user])).toEqual([['unu', a.id], ['doi', b.id], ['trei', a.id]]);
    expect((await call(server, at(`/chat/messages/${chatId}/`), as(a))).body).toEqual(list.body);
    expect((await call(server, at(`/chat/messages/${chatId}`), as(outsider))).status).toBe(404);
  });

  it('lists a long history whole, past one page', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await privateChat(a, b);
    const token = await canonicalToken(a);
    for (let i = 0; i < 105; i++) {
      const res = await server.request(`/api/v1/chats/${chatId}/messages`, { method: 'POST', json: { text: `m${i}` }, headers: bearer(token) });
      expect(res.status).toBe(201);
    }
    const list = await call(server, at(`/chat/messages/${chatId}`), as(b));
    expect(list.body).toHaveLength(105);
    expect(list.body.at(-1).text).toBe('m104');
  });

  it('refuses a from_user other than the caller with 403, storing nothing', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await privateChat(a, b);
    const forged = await call(server, at(`/chat/messages/${chatId}`), as(a, { method: 'POST', json: { chat_id: chatId, from_user: b.id, text: 'Not me' } }));
    expect(forged.status).toBe(403);
    expect(forged.body).toEqual({ detail: expect.any(String) });
    const withPhoto = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [
        { name: 'from_user', data: String(b.id) },
        { name: 'photo', filename: 'p.png', type: 'image/png', data: blackPng(8, 8) },
      ]),
    });
    expect(withPhoto.status).toBe(403);
    expect(await uploadsOf(a.id)).toBe(0);
    expect((await call(server, at(`/chat/messages/${chatId}`), as(b))).body).toEqual([]);
  });

  it('refuses bad messages in DRF shape', async () => {
    const [a, b, outsider] = [await user001(), await user001(), await user001()];
    const chatId = await privateChat(a, b);
    const post = (who: User001, id: number, json: unknown) => call(server, at(`/chat/messages/${id}`), as(who, { method: 'POST', json }));
    expect((await post(a, chatId, { chat_id: chatId + 1, text: 'x' })).body).toEqual({ chat_id: [expect.any(String)] });
    expect((await post(a, chatId, { chat_id: chatId })).body).toEqual({ text: [expect.any(String)] });
    expect((await post(a, chatId, { text: '   ' })).body).toEqual({ text: [expect.any(String)] });
    expect((await post(a, chatId, { text: 'x'.repeat(4001) })).body).toEqual({ text: [expect.any(String)] });
    expect((await post(a, chatId, { text: 'x'.repeat(100_000) })).status).toBe(400);
    expect((await post(a, chatId, { text: 5 })).body).toEqual({ text: ['Not a valid string.'] });
    expect((await post(a, chatId, { text: 'x', from_user: 'me' })).body).toEqual({ from_user: ['A valid integer is required.'] });
    expect((await post(a, chatId, 'Hello')).status).toBe(400);
    expect((await post(outsider, chatId, { text: 'x' })).status).toBe(404);
    expect((await post(a, 99_999_999, { text: 'x' })).status).toBe(404);
    expect((await call(server, at('/chat/messages/abc'), as(a, { method: 'POST', json: { text: 'x' } }))).status).toBe(404);
    expect((await call(server, at(`/chat/messages/${chatId}`), as(a))).body).toEqual([]);
  });

  it('sends a photo as multipart `photo`, whose absolute URL serves the image; the message shows it on /api/v1 too', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await privateChat(a, b);
    const res = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [
        { name: 'chat_id', data: String(chatId) },
        { name: 'from_user', data: String(a.id) },
        { name: 'text', data: 'Uite' },
        { name: 'photo', filename: 'poza.png', type: 'image/png', data: blackPng(40, 30) },
      ]),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ text: 'Uite', file: null, photo: expect.stringMatching(new RegExp(`^${server.url}/files/`)) });
    const image = await fetch(res.body.photo as string);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');

    const listed = (await call(server, at(`/chat/messages/${chatId}`), as(b))).body;
    expect(listed).toHaveLength(1);
    expect(await fetch(listed[0].photo as string).then((r) => r.status)).toBe(200);
    const canonical = await server.request(`/api/v1/chats/${chatId}/messages`, { headers: bearer(await canonicalToken(b)) });
    const [message] = ((await canonical.json()) as { items: Array<{ attachments: Array<{ contentType: string }> }> }).items;
    expect(message!.attachments.map((x) => x.contentType)).toEqual(['image/png']);
  });

  it('sends a file as multipart `file`, with or without text, and both at once', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await groupChat(a, [b]);
    const onlyFile = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [{ name: 'file', filename: 'notes.txt', type: 'text/plain', data: 'some notes' }]),
    });
    expect(onlyFile.status, JSON.stringify(onlyFile.body)).toBe(201);
    expect(onlyFile.body).toMatchObject({ text: '', photo: null, file: expect.stringMatching(new RegExp(`^${server.url}/files/.*notes\\.txt`)) });
    const download = await fetch(onlyFile.body.file as string);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('some notes');

    const both = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [
        { name: 'text', data: 'Amandoua' },
        { name: 'photo', filename: 'a.png', type: 'image/png', data: blackPng(4, 4) },
        { name: 'file', filename: 'b.txt', data: 'b' },
      ]),
    });
    expect(both.body).toMatchObject({ text: 'Amandoua', photo: expect.stringContaining('/files/'), file: expect.stringContaining('b.txt') });

    const broken = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [{ name: 'photo', filename: 'x.png', type: 'image/png', data: blackPng(4, 4).subarray(0, 40) }]),
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ photo: [expect.any(String)] });
  });

  it('keeps nothing of a photo message that cannot be sent (a block in a private chat)', async () => {
    const [a, b] = [await user001(), await user001()];
    const chatId = await privateChat(a, b);
    expect((await server.request(`/api/v1/blocks/${a.id}`, { method: 'PUT', headers: bearer(await canonicalToken(b)) })).status).toBe(204);
    const res = await call(server, at(`/chat/messages/${chatId}`), {
      method: 'POST',
      ...withBody(a, [
        { name: 'text', data: 'Hei' },
        { name: 'photo', filename: 'p.png', type: 'image/png', data: blackPng(8, 8) },
      ]),
    });
    expect(res.status).toBe(403);
    expect(await uploadsOf(a.id)).toBe(0);
  });
});

describe('001: password reset by mail', () => {
  const lastReset = async (email: string, after: number) => {
    const message = await mail.waitForMail(email, { subject: /reset/i, after });
    const token = /[?&]token=([^&\s]+)/.exec(message.text)?.[1];
    const code = /^\s*(\d{6})\s*$/m.exec(message.text)?.[1];
    expect(token, message.text).toBeDefined();
    expect(code, message.text).toBeDefined();
    return { token: decodeURIComponent(token!), code: code! };
  };

  it('mails a token for the document’s request and answers {"status": "OK"}, for unknown addresses too', async () => {
    const user = await user001();
    const count = mail.messages.length;
    const res = await call(server, at('/auth/password_reset/'), { method: 'POST', json: { email: user.email } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'OK' });
    await lastReset(user.email, count);
    const unknown = await call(server, at('/auth/password_reset/'), { method: 'POST', ...form({ email: 'nobody-here@example.test' }) });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ status: 'OK' });
    expect((await call(server, at('/auth/password_reset/'), { method: 'POST', json: { email: 'nope' } })).body).toEqual({ email: ['must be a valid e-mail address'] });
    expect((await call(server, at('/auth/password_reset/'), { method: 'POST', json: {} })).body).toEqual({ email: ['This field is required.'] });
  });

  it('sets the new password with the mailed link’s token, as the document sends it', async () => {
    const user = await user001();
    const count = mail.messages.length;
    await call(server, at('/auth/password_reset/'), { method: 'POST', json: { email: user.email } });
    const { token } = await lastReset(user.email, count);
    const weak = await call(server, at('/auth/password_reset/confirm/'), { method: 'POST', json: { token, password: 'short' } });
    expect(weak.status).toBe(400);
    expect(weak.body.password).toEqual(expect.arrayContaining([expect.any(String)]));
    const res = await call(server, at('/auth/password_reset/confirm/'), { method: 'POST', ...form({ token, password: NEW_PASSWORD }) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: 'OK' });
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
    expect(await loginStatus(user.username, PASSWORD)).toBe(401);
    // Every session ended, and the token is spent.
    expect((await call(server, at('/auth/me/'), as(user))).status).toBe(401);
    const again = await call(server, at('/auth/password_reset/confirm/'), { method: 'POST', json: { token, password: PASSWORD } });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ token: [expect.any(String)] });
  });

  it('takes the mailed 6-digit code as `token` with the address in `email`', async () => {
    const user = await user001();
    const count = mail.messages.length;
    await call(server, at('/auth/password_reset/'), { method: 'POST', json: { email: user.email } });
    const { code } = await lastReset(user.email, count);
    const wrong = await call(server, at('/auth/password_reset/confirm/'), { method: 'POST', json: { email: user.email, token: code === '000000' ? '111111' : '000000', password: NEW_PASSWORD } });
    expect(wrong.body).toEqual({ token: [expect.any(String)] });
    const res = await call(server, at('/auth/password_reset/confirm/'), { method: 'POST', json: { email: user.email, token: code, password: NEW_PASSWORD } });
    expect(res.body).toEqual({ status: 'OK' });
    expect(await loginStatus(user.username, NEW_PASSWORD)).toBe(200);
  });

  it('refuses incomplete or malformed confirmations', async () => {
    const confirm = (json: unknown) => call(server, at('/auth/password_reset/confirm/'), { method: 'POST', json });
    expect((await confirm({ password: NEW_PASSWORD })).body).toEqual({ token: ['This field is required.'] });
    expect((await confirm({ token: 'abc' })).body).toEqual({ password: ['This field is required.'] });
    expect((await confirm({ token: 'x'.repeat(300), password: NEW_PASSWORD })).body).toEqual({ token: [expect.any(String)] });
    expect((await confirm({ token: 7, password: NEW_PASSWORD })).body).toEqual({ token: ['Not a valid string.'] });
    expect((await confirm({ token: 'made-up-token', password: NEW_PASSWORD })).body).toEqual({ token: [expect.any(String)] });
  });
});

describe('001: rate limits and verification as on /api/v1', () => {
  it('limits password reset mails and logins per client, answering 429 in DRF shape with Retry-After', async () => {
    const limited = await startTestServer({ env: { COMPAT_DIALECTS: '001', RATE_LIMIT_PASSWORD_FORGOT: '2/1m', RATE_LIMIT_LOGIN_PER_IP: '2/1m' } });
    try {
      const resets: Array<Awaited<ReturnType<typeof call>>> = [];
      for (let i = 0; i < 3; i++) resets.push(await call(limited, at('/auth/password_reset/'), { method: 'POST', json: { email: 'someone@example.test' } }));
      expect(resets.map((r) => r.status)).toEqual([200, 200, 429]);
      expect(resets[2]!.body).toEqual({ detail: expect.any(String) });
      expect(Number(resets[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
      const logins: number[] = [];
      for (let i = 0; i < 3; i++) logins.push((await call(limited, at('/auth/login/'), { method: 'POST', json: { username: 'nobody', password: 'x' } })).status);
      expect(logins).toEqual([401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('lets an account in only once its address is verified, when the server asks for that', async () => {
    const verifying = await startTestServer({ env: { COMPAT_DIALECTS: '001', REQUIRE_EMAIL_VERIFICATION: 'true', SMTP_URL: mail.url } });
    try {
      const username = uniqueName('v1');
      const email = `${username}@example.test`.toLowerCase();
      const reg = await call(verifying, at('/auth/register/'), { method: 'POST', json: { username, email, password: PASSWORD, password2: PASSWORD } });
      expect(reg.status).toBe(201);
      const early = await call(verifying, at('/auth/login/'), { method: 'POST', json: { username, password: PASSWORD } });
      expect(early.status).toBe(403);
      expect(early.body).toEqual({ detail: expect.any(String) });
      // The mailed link opens the web app, which confirms the address on /api/v1.
      const token = /[?&]token=([^&\s]+)/.exec((await mail.waitForMail(email, { subject: /verify|confirm/i })).text)?.[1];
      expect(token).toBeDefined();
      expect((await verifying.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: decodeURIComponent(token!) } })).status).toBe(200);
      expect((await call(verifying, at('/auth/login/'), { method: 'POST', json: { username, password: PASSWORD } })).status).toBe(200);
    } finally {
      await verifying.close();
    }
  });
});
