import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, PASSWORD, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';
import { call, DialectSocket, logIn000 } from './helpers.js';

let mail: MailCatcher;
let server: TestServer;
beforeAll(async () => {
  mail = await startMailCatcher();
  server = await startTestServer({ env: { SMTP_URL: mail.url } });
});
afterAll(async () => {
  await server?.close();
  await mail?.close();
});

describe('one world across the dialects', () => {
  it('a 000 user and a 001 user share one chat: messages through 000\'s socket, 001\'s REST and /api/v1/ws each reach the others', async () => {
    // Ada registers and signs in through 000 (with its e-mailed code).
    const ada = uniqueName('ada');
    const adaEmail = `${ada}@example.test`;
    await call(server, '/compat/000/auth/registration/', { method: 'POST', json: { username: ada, email: adaEmail, password1: PASSWORD, password2: PASSWORD } });
    const adaToken = { authorization: `Token ${(await logIn000(server, mail, { username: ada, email: adaEmail, password: PASSWORD })).token}` };
    const adaId = (await call(server, '/compat/000/users/profile/', { headers: adaToken })).body.id as number;

    // Bob registers and signs in through 001, and starts a private chat with Ada there.
    const bob = uniqueName('bob');
    const registered = await call(server, '/compat/001/auth/register/', {
      method: 'POST',
      json: { username: bob, password: PASSWORD, password2: PASSWORD, email: `${bob}@example.test`, first_name: 'Bob', last_name: 'Builder' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const bobAccess = (await call(server, '/compat/001/auth/login/', { method: 'POST', json: { username: bob, password: PASSWORD } })).body.access as string;
    const chat = await call(server, '/compat/001/chat/', { method: 'POST', headers: bearer(bobAccess), json: { name: 'ada and bob', users: [adaId], type: 'privat' } });
    expect(chat.status, JSON.stringify(chat.body)).toBe(201);
    const chatId = chat.body.id as number;

    // Bob is also on /api/v1, with the canonical socket.
    const canonical = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: bob, password: PASSWORD } })).json()) as { accessToken: string };
    const v1 = await TestSocket.open(server, { token: canonical.accessToken });
    const oldSocket = await DialectSocket.open(server, `/compat/000/ws/chat/${chatId}/`, adaToken);

    // 1. Through 000's socket.
    oldSocket.send({ type: 'chat_message', message: 'hello from 000' });
    expect(await v1.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'hello from 000', 'the 000 message on /api/v1/ws')).toMatchObject({
      message: { chatId, sender: { id: adaId, username: ada } },
    });

    // 2. Through 001's REST.
    const posted = await call(server, `/compat/001/chat/messages/${chatId}`, { method: 'POST', headers: bearer(bobAccess), json: { chat_id: chatId, text: 'hello from 001' } });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    expect(await oldSocket.next((f) => f.text === 'hello from 001', 'the 001 message on the 000 socket')).toEqual({ text: 'hello from 001', realSender: bob });
    await v1.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'hello from 001', 'the 001 message on /api/v1/ws');

    // 3. Through /api/v1/ws.
    v1.send({ type: 'message.send', chatId, text: 'hello from v1', clientId: 'c-1' });
    expect(await oldSocket.next((f) => f.text === 'hello from v1', 'the v1 message on the 000 socket')).toEqual({ text: 'hello from v1', realSender: bob });

    // Each API's history holds all three, in order.
    const polled = await call(server, `/compat/001/chat/messages/${chatId}`, { headers: bearer(bobAccess) });
    expect(polled.body.map((m: { text: string }) => m.text)).toEqual(['hello from 000', 'hello from 001', 'hello from v1']);
    const detail = await call(server, `/compat/000/conversations/${chatId}/`, { headers: adaToken });
    expect(detail.body.message_set.map((m: { text: string; realSender: string }) => [m.text, m.realSender])).toEqual([
      ['hello from v1', bob],
      ['hello from 001', bob],
      ['hello from 000', ada],
    ]);
    await Promise.all([v1.close(), oldSocket.close()]);
  });

  it('a 002 user and a 004 user befriend each other and chat, and a 000 user sees it all through /api/v1', async () => {
    // Cleo signs up on 002 (its password rules); Dan registers on 004; Eve registers on 000.
    const cleo = uniqueName('cleo').slice(0, 20);
    const cleoPassword = 'Plum-Kettle-47*';
    const signedUp = await call(server, '/compat/002/user/signup/', { method: 'POST', json: { username: cleo, email: `${cleo}@example.test`, password: cleoPassword } });
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    const cleoAccess = (await call(server, '/compat/002/user/refresh-access-jwt/', { method: 'POST', json: { refresh_token: signedUp.body.refresh_token } })).body.access_token as string;
    const as002 = { authorization: cleoAccess };
    const dan = uniqueName('dan');
    const registered = await call(server, '/compat/004/api/auth/register', { method: 'POST', json: { username: dan, email: `${dan}@example.test`, password: PASSWORD } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const as004 = bearer(registered.body.token as string);
    const eve = uniqueName('eve');
    await call(server, '/compat/000/auth/registration/', { method: 'POST', json: { username: eve, email: `${eve}@example.test`, password1: PASSWORD, password2: PASSWORD } });
    await logIn000(server, mail, { username: eve, email: `${eve}@example.test`, password: PASSWORD });

    // Dan finds Cleo by name and asks; Cleo sees the request on 002 and accepts it there.
    const cleoUuid = (await call(server, `/compat/004/api/user/search?username=${cleo}`, { headers: as004 })).body.find((u: { username: string }) => u.username === cleo).id as string;
    const danUuid = registered.body.id as string;
    expect((await call(server, `/compat/004/api/users/${danUuid}/friends/add/${cleoUuid}`, { method: 'POST', headers: as004 })).body.status).toBe('pending');
    const danId = (await call(server, `/compat/002/user/${dan}/`, { headers: as002 })).body.id as number;
    expect((await call(server, '/compat/002/user/friends/', { headers: as002 })).body.friends).toContainEqual(expect.objectContaining({ id: danId, status: 'pending' }));
    expect((await call(server, '/compat/002/user/friends/accept/', { method: 'POST', headers: as002, json: { friend_id: danId } })).status).toBe(200);
    expect((await call(server, `/compat/004/api/users/${danUuid}/friends/${cleoUuid}`, { headers: as004 })).body).toEqual({ user_is_friend: true });
    expect((await call(server, '/compat/002/user/friends/', { headers: as002 })).body.friends).toContainEqual(expect.objectContaining({ id: danId, status: 'accepted' }));

    // Dan makes a group of the three on 004; Eve is on /api/v1's socket, Dan on 004's.
    const eveUuid = (await call(server, `/compat/004/api/user/search?username=${eve}`, { headers: as004 })).body.find((u: { username: string }) => u.username === eve).id as string;
    const chat = await call(server, '/compat/004/api/chats/create', { method: 'POST', headers: as004, json: { title: 'Трое', users: [cleoUuid, eveUuid] } });
    expect(chat.status, JSON.stringify(chat.body)).toBe(201);
    const eveTokens = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: eve, password: PASSWORD } })).json()) as { accessToken: string };
    const eveSocket = await TestSocket.open(server, { token: eveTokens.accessToken });
    const danSocket = await DialectSocket.open(server, `/compat/004/api/chats/ws/${chat.body.id}/${danUuid}`, as004);

    // Dan writes on 004's socket; Cleo, whose 002 has no chats, writes on /api/v1 with the same account.
    danSocket.send('Привет, Клео!');
    const fromDan = await eveSocket.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'Привет, Клео!', 'Dan’s message on Eve’s /api/v1 socket');
    const chatId = (fromDan.message as { chatId: number }).chatId;
    const cleoTokens = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: cleo, password: cleoPassword } })).json()) as { accessToken: string };
    expect((await server.request(`/api/v1/chats/${chatId}/messages`, { method: 'POST', headers: bearer(cleoTokens.accessToken), json: { text: 'Hi Dan' } })).status).toBe(201);
    expect(await danSocket.next((f) => f.message === 'Hi Dan', 'Cleo’s message on Dan’s 004 socket')).toMatchObject({ user: { id: cleoUuid, username: cleo } });
    await eveSocket.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'Hi Dan', 'Cleo’s message on Eve’s socket');

    // Eve's /api/v1 shows the chat with both messages, by their authors.
    const history = (await (await server.request(`/api/v1/chats/${chatId}/messages`, { headers: bearer(eveTokens.accessToken) })).json()) as { items: Array<{ text: string; sender: { username: string } }> };
    expect(history.items.map((m) => [m.text, m.sender.username]).sort()).toEqual([['Hi Dan', cleo], ['Привет, Клео!', dan]].sort());
    await Promise.all([eveSocket.close(), danSocket.close()]);
  });

  it('one account signs in through every API: registered on 003, logged in on 000, 001 and /api/v1', async () => {
    const email = `${uniqueName('every')}@example.test`;
    const username = uniqueName('every');
    expect((await call(server, '/compat/003/api/register/', { method: 'POST', json: { email, password: PASSWORD, username } })).status).toBe(201);
    expect((await call(server, '/compat/001/auth/login/', { method: 'POST', json: { username, password: PASSWORD } })).status).toBe(200);
    expect((await call(server, '/compat/003/api/token/', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200);
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: email, password: PASSWORD } })).status).toBe(200);
    expect((await logIn000(server, mail, { username, email, password: PASSWORD })).token).toMatch(/^[0-9a-f]{40}$/);
  });
});
