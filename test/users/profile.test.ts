import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, meStatus, PASSWORD, problem, registerUser, uniqueName } from '../helpers/accounts.js';
import { befriend, call, direct, group, person, send, type ChatJson, type MessageJson, type Person } from '../helpers/chats.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url, APP_URL: 'https://app.example.test' } });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

interface Me {
  id: number;
  username: string;
  email: string;
  pendingEmail: string | null;
  firstName: string;
  lastName: string;
  bio: string;
  avatar: { small: string; large: string; isDefault: boolean };
  isOnline: boolean;
  signInMethods: string[];
  lastSeenAt: string | null;
}

const me = async (who: Person) => (await call<Me>(server, who, 'GET', '/users/me')).body;
const patch = (who: Person, json: unknown) => call<Me & { code?: string; errors?: Array<{ field: string }> }>(server, who, 'PATCH', '/users/me', json);
const tokenIn = (text: string) => /https:\/\/app\.example\.test\/verify-email\?token=([\w-]+)/.exec(text)?.[1];

describe('my profile', () => {
  it('shows bio, avatar, presence and sign-in methods', async () => {
    const ada = await person(server);
    const profile = await me(ada);
    expect(profile).toMatchObject({ id: ada.id, username: ada.username, bio: '', pendingEmail: null, isOnline: false, signInMethods: ['password'] });
    expect(profile.avatar.isDefault).toBe(true);
    expect(profile.avatar.small).toMatch(/^\/files\//);

    const socket = await TestSocket.open(server, { token: ada.token });
    try {
      expect((await me(ada)).isOnline).toBe(true);
    } finally {
      await socket.close();
    }
  });

  it('changes username, names and bio, keeping what is not given', async () => {
    const ada = await person(server);
    const newName = uniqueName('Ada');
    const res = await patch(ada, { username: newName, firstName: '  Ada ', lastName: 'Lovelace', bio: 'Analyst.\nEngines\tand numbers.' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: newName, firstName: 'Ada', lastName: 'Lovelace', bio: 'Analyst.\nEngines\tand numbers.' });
    expect((await patch(ada, { bio: 'Only the bio' })).body).toMatchObject({ username: newName, firstName: 'Ada', bio: 'Only the bio' });

    // The new username signs in; the old one is free for someone else.
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: newName, password: PASSWORD } })).status).toBe(200);
    await registerUser(server, { username: ada.username, email: `${uniqueName('reuse')}@example.test` });
    // A change of case only is allowed.
    expect((await patch(ada, { username: newName.toUpperCase() })).body.username).toBe(newName.toUpperCase());
    // Initials follow the names: the default avatar URL changes with them.
    const before = (await me(ada)).avatar.large;
    await patch(ada, { firstName: 'Zed' });
    expect((await me(ada)).avatar.large).not.toBe(before);
  });

  it('refuses taken, reserved and malformed usernames, long and control-character fields, and unknown fields; nothing changes', async () => {
    const ada = await person(server);
    const other = await person(server);
    const cases: Array<[unknown, number, string]> = [
      [{ username: other.username.toUpperCase() }, 409, 'username'],
      [{ username: 'admin' }, 400, 'username'],
      [{ username: 'Root' }, 400, 'username'],
      [{ username: 'me' }, 400, 'username'],
      [{ username: 'api' }, 400, 'username'],
      [{ username: 'has space' }, 400, 'username'],
      [{ username: 'x'.repeat(31) }, 400, 'username'],
      [{ firstName: 'a'.repeat(101) }, 400, 'firstName'],
      [{ lastName: 'tab\there' }, 400, 'lastName'],
      [{ firstName: 'bell\u0007' }, 400, 'firstName'],
      [{ bio: 'b'.repeat(501) }, 400, 'bio'],
      [{ bio: 'nul\u0000' }, 400, 'bio'],
      [{ bio: 42 }, 400, 'bio'],
      [{ email: 'not-an-address' }, 400, 'email'],
      [{ nickname: 'x' }, 400, 'nickname'],
    ];
    const before = await me(ada);
    for (const [json, status, field] of cases) {
      const res = await server.request('/api/v1/users/me', { method: 'PATCH', json, headers: bearer(ada.token) });
      expect(res.status, JSON.stringify(json)).toBe(status);
      const body = await problem(res);
      if (field !== 'nickname') expect(body.errors?.map((e) => e.field).join(','), JSON.stringify(json)).toContain(field);
    }
    expect(await me(ada)).toEqual(before);
    expect((await server.request('/api/v1/users/me', { method: 'PATCH', json: { bio: 'x' } })).status).toBe(401);
  });
});

describe('changing the e-mail address', () => {
  it('needs the current password, mails a link to the new address and a notice to the old one, and switches on confirmation', async () => {
    const ada = await person(server);
    const newEmail = `${uniqueName('new')}@example.test`;
    expect((await patch(ada, { email: newEmail })).status).toBe(400);
    expect((await patch(ada, { email: newEmail, currentPassword: 'wrong-password-1' })).body.code).toBe('wrong_password');

    const res = await patch(ada, { email: newEmail.toUpperCase(), currentPassword: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ email: ada.email, pendingEmail: newEmail });
    const link = await mail.waitForMail(newEmail, { subject: /new e-mail/i });
    const notice = await mail.waitForMail(ada.email, { subject: /being changed/i });
    expect(notice.text).toContain(newEmail);

    // Until confirmed, the old address is the one that signs in.
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: newEmail, password: PASSWORD } })).status).toBe(401);
    const confirmed = await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: tokenIn(link.text) } });
    expect(confirmed.status).toBe(200);
    expect(await me(ada)).toMatchObject({ email: newEmail, pendingEmail: null });
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: newEmail, password: PASSWORD } })).status).toBe(200);
    // The link is single use.
    expect((await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: tokenIn(link.text) } })).status).toBe(400);
  });

  it('refuses an address in use, and a second request replaces the first link', async () => {
    const ada = await person(server);
    const other = await person(server);
    const taken = await patch(ada, { email: other.email, currentPassword: PASSWORD });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('email_taken');

    const first = `${uniqueName('first')}@example.test`;
    const second = `${uniqueName('second')}@example.test`;
    await patch(ada, { email: first, currentPassword: PASSWORD });
    const firstLink = tokenIn((await mail.waitForMail(first)).text);
    await patch(ada, { email: second, currentPassword: PASSWORD });
    const secondLink = tokenIn((await mail.waitForMail(second)).text);
    expect((await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: firstLink } })).status).toBe(400);
    expect((await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: secondLink } })).status).toBe(200);
    expect((await me(ada)).email).toBe(second);
  });

  it('cancels a pending change when given the current address again', async () => {
    const ada = await person(server);
    const pending = `${uniqueName('pending')}@example.test`;
    await patch(ada, { email: pending, currentPassword: PASSWORD });
    const link = tokenIn((await mail.waitForMail(pending)).text);
    expect((await patch(ada, { email: ada.email, currentPassword: PASSWORD })).body.pendingEmail).toBeNull();
    expect((await server.request('/api/v1/auth/verify-email', { method: 'POST', json: { token: link } })).status).toBe(400);
    expect((await me(ada)).email).toBe(ada.email);
  });
});

describe('public profiles', () => {
  it('shows names, bio, avatar, presence and friendship, never the e-mail address', async () => {
    const ada = await person(server);
    const bob = await person(server);
    await patch(ada, { firstName: 'Ada', bio: 'Hello' });
    const res = await call<Record<string, unknown>>(server, bob, 'GET', `/users/${ada.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ada.id, username: ada.username, firstName: 'Ada', bio: 'Hello', isOnline: false, friendship: 'none' });
    expect(JSON.stringify(res.body)).not.toContain(ada.email);
    expect(Object.keys(res.body).sort()).toEqual(['avatar', 'bio', 'firstName', 'friendship', 'id', 'isOnline', 'lastName', 'lastSeenAt', 'username']);

    await call(server, bob, 'PUT', `/friends/${ada.id}`);
    expect((await call<{ friendship: string }>(server, bob, 'GET', `/users/${ada.id}`)).body.friendship).toBe('outgoing');
    expect((await call<{ friendship: string }>(server, ada, 'GET', `/users/${bob.id}`)).body.friendship).toBe('incoming');
  });

  it('answers 404 for unknown users, 400 for malformed ids and 401 without credentials', async () => {
    const ada = await person(server);
    expect((await call(server, ada, 'GET', '/users/999999999')).status).toBe(404);
    expect((await call(server, ada, 'GET', '/users/abc')).status).toBe(400);
    expect((await call(server, ada, 'GET', '/users/0')).status).toBe(400);
    expect((await server.request(`/api/v1/users/${ada.id}`)).status).toBe(401);
  });
});

describe('deleting my account', () => {
  it('needs the password; then sessions, tokens and sockets end, friendships go, messages stay from a deleted user, and the name is free', async () => {
    const ada = await person(server);
    const bob = await person(server);
    const carol = await person(server);
    await befriend(server, ada, bob);
    const chat: ChatJson = await direct(server, ada, bob);
    const team: ChatJson = await group(server, ada, [bob, carol], 'Ada’s team');
    const message: MessageJson = await send(server, ada, chat.id, 'remember me');
    await send(server, ada, team.id, 'hello team');
    const pat = await call<{ token: string }>(server, ada, 'POST', '/auth/tokens', { name: 'ci', password: PASSWORD });
    const adaSocket = await TestSocket.open(server, { token: ada.token });
    const bobSocket = await TestSocket.open(server, { token: bob.token });

    const wrong = await server.request('/api/v1/users/me', { method: 'DELETE', json: { password: 'not-the-password' }, headers: bearer(ada.token) });
    expect(wrong.status).toBe(400);
    expect((await problem(wrong)).code).toBe('wrong_password');
    expect((await server.request('/api/v1/users/me', { method: 'DELETE', json: {}, headers: bearer(ada.token) })).status).toBe(400);
    expect(await meStatus(server, bearer(ada.token))).toBe(200);

    const res = await server.request('/api/v1/users/me', { method: 'DELETE', json: { password: PASSWORD }, headers: bearer(ada.token) });
    expect(res.status).toBe(204);

    expect((await adaSocket.closed).code).toBe(4401);
    expect(await meStatus(server, bearer(ada.token))).toBe(401);
    expect(await meStatus(server, { authorization: `Token ${pat.body.token}` })).toBe(401);
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: ada.username, password: PASSWORD } })).status).toBe(401);
    await bobSocket.next((f) => f.type === 'friend.removed' && f.userId === ada.id, 'friend.removed');
    await bobSocket.close();

    expect((await call(server, bob, 'GET', `/users/${ada.id}`)).status).toBe(404);
    expect((await call<{ status: string }>(server, bob, 'GET', `/friends/${ada.id}`)).status).toBe(404);
    const history = await call<{ items: MessageJson[] }>(server, bob, 'GET', `/chats/${chat.id}/messages`);
    const kept = history.body.items.find((m) => m.id === message.id);
    expect(kept).toMatchObject({ text: 'remember me', sender: null });
    expect(JSON.stringify(history.body)).not.toContain(ada.username);

    // The group lives on, owned by the longest-standing member.
    const teamNow = await call<ChatJson & { members: Array<{ id: number; role: string }> }>(server, bob, 'GET', `/chats/${team.id}`);
    expect(teamNow.status).toBe(200);
    expect(teamNow.body.members.map((m) => m.id).sort()).toEqual([bob.id, carol.id].sort());
    expect(teamNow.body.members.find((m) => m.role === 'owner')?.id).toBe(bob.id);

    const again = await registerUser(server, { username: ada.username, email: ada.email });
    const fresh = await login(server, again);
    expect((await server.request('/api/v1/users/me', { headers: bearer(fresh.accessToken) }).then((r) => r.json()) as Me).username).toBe(ada.username);
  });

  it('deletes a group left with no one', async () => {
    const ada = await person(server);
    const solo = await call<ChatJson>(server, ada, 'POST', '/chats', { type: 'group', name: 'Just me', memberIds: [] });
    expect(solo.status).toBe(201);
    expect((await server.request('/api/v1/users/me', { method: 'DELETE', json: { password: PASSWORD }, headers: bearer(ada.token) })).status).toBe(204);
    const bob = await person(server);
    expect((await call(server, bob, 'GET', `/chats/${solo.body.id}`)).status).toBe(404);
  });
});
