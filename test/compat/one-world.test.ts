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
