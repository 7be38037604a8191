import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login } from '../helpers/accounts.js';
import { call, direct, group, person, send, type ChatJson, type MessageJson } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { TestSocket, type Frame } from '../helpers/ws.js';

let server: TestServer;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { WS_HEARTBEAT_SECONDS: '1' } });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});
async function open(options: Parameters<typeof TestSocket.open>[1]) {
  const socket = await TestSocket.open(server, options);
  sockets.push(socket);
  return socket;
}

describe('connecting', () => {
  it('closes with 4401 before any event when the credential is missing or bad', async () => {
    const ways: Array<Parameters<typeof TestSocket.open>[1]> = [{}, { token: 'not-a-token' }, { query: 'access_token=garbage' }, { headers: { cookie: 'msg_session=nope' } }];
    for (const options of ways) {
      const socket = await open(options);
      expect((await socket.closed).code, JSON.stringify(options)).toBe(4401);
      expect(socket.frames).toEqual([]);
    }
  });

  it('accepts a Bearer header, ?access_token=, a personal access token and the session cookie', async () => {
    const me = await person(server);
    const pat = (await (await server.request('/api/v1/auth/tokens', { method: 'POST', json: { name: 'ws', password: me.password }, headers: bearer(me.token) })).json()) as { token: string };
    const cookieLogin = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: me.username, password: me.password, cookie: true } });
    const cookie = cookieLogin.headers.getSetCookie().find((c) => c.startsWith('msg_session='))!.split(';')[0]!;
    const ways: Array<Parameters<typeof TestSocket.open>[1]> = [{ token: me.token }, { query: `access_token=${me.token}` }, { headers: { authorization: `Token ${pat.token}` } }, { query: `access_token=${pat.token}` }, { headers: { cookie } }];
    for (const options of ways) {
      const socket = await open(options);
      expect(socket.isOpen).toBe(true);
      expect(socket.frames[0]).toMatchObject({ type: 'ready', userId: me.id });
    }
  });

  it('refuses the session cookie from a page of a foreign origin', async () => {
    const me = await person(server);
    const cookieLogin = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: me.username, password: me.password, cookie: true } });
    const cookie = cookieLogin.headers.getSetCookie().find((c) => c.startsWith('msg_session='))!.split(';')[0]!;
    const foreign = await open({ headers: { cookie, origin: 'https://evil.example' } });
    expect(await foreign.closed).toEqual({ code: 4401, reason: 'origin_not_allowed' });
    const own = await open({ headers: { cookie, origin: server.url } });
    expect(own.isOpen).toBe(true);
  });

  it('closes the sockets of a session when it logs out, and keeps the others', async () => {
    const me = await person(server);
    const other = await login(server, me);
    const doomed = await open({ token: me.token });
    const survivor = await open({ token: other.accessToken });
    expect((await server.request('/api/v1/auth/logout', { method: 'POST', headers: bearer(me.token) })).status).toBe(204);
    expect((await doomed.closed).code).toBe(4401);
    await sleep(100);
    expect(survivor.isOpen).toBe(true);
  });
});

describe('events', () => {
  it('delivers every event about a chat to every socket of every member', async () => {
    const [a, b, c] = [await person(server), await person(server), await person(server)];
    const a1 = await open({ token: a.token });
    const a2 = await open({ token: a.token });
    const b1 = await open({ token: b.token });
    const c1 = await open({ token: c.token });
    const chat = await group(server, a, [b], 'Live');
    for (const s of [a1, a2, b1]) await s.next((f) => f.type === 'chat.created' && (f.chat as ChatJson).id === chat.id, 'chat.created');

    const message = await send(server, b, chat.id, 'ping everyone', { clientId: 'cb-1' });
    for (const s of [a1, a2, b1]) {
      const frame = await s.next((f) => f.type === 'message.created', 'message.created');
      expect(frame).toMatchObject({ chatId: chat.id, message: { id: message.id, seq: 1, text: 'ping everyone', sender: { id: b.id }, clientId: 'cb-1' } });
    }

    await call(server, a, 'PATCH', `/chats/${chat.id}/messages/${message.id}`, { text: 'nope' }); // 403: not the author
    await call(server, b, 'PATCH', `/chats/${chat.id}/messages/${message.id}`, { text: 'edited' });
    await a1.next((f) => f.type === 'message.updated' && (f.message as MessageJson).text === 'edited', 'message.updated');
    await call(server, a, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent('🔥')}`);
    expect(await b1.next((f) => f.type === 'reaction.updated', 'reaction.updated')).toMatchObject({ messageId: message.id, emoji: '🔥', count: 1, userId: a.id, added: true });
    await call(server, a, 'POST', `/chats/${chat.id}/read`, { seq: 1 });
    expect(await b1.next((f) => f.type === 'read.updated', 'read.updated')).toMatchObject({ chatId: chat.id, userId: a.id, lastReadSeq: 1 });
    await call(server, a, 'PATCH', `/chats/${chat.id}`, { name: 'Renamed' });
    expect(await b1.next((f) => f.type === 'chat.updated', 'chat.updated')).toMatchObject({ chat: { id: chat.id, name: 'Renamed' } });

    await call(server, a, 'POST', `/chats/${chat.id}/members`, { userIds: [c.id] });
    expect(await b1.next((f) => f.type === 'member.added', 'member.added')).toMatchObject({ chatId: chat.id, members: [{ id: c.id }] });
    await c1.next((f) => f.type === 'chat.created' && (f.chat as ChatJson).id === chat.id, 'chat.created for the newcomer');

    await call(server, b, 'DELETE', `/chats/${chat.id}/messages/${message.id}`);
    expect(await c1.next((f) => f.type === 'message.deleted', 'message.deleted')).toMatchObject({ chatId: chat.id, messageId: message.id, seq: 1 });

    await call(server, a, 'DELETE', `/chats/${chat.id}`);
    for (const s of [a1, b1, c1]) await s.next((f) => f.type === 'chat.deleted' && f.chatId === chat.id, 'chat.deleted');
  });

  it('sends nothing more about a chat to someone removed from it', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await group(server, a, [b]);
    const bs = await open({ token: b.token });
    await call(server, a, 'DELETE', `/chats/${chat.id}/members/${b.id}`);
    await bs.next((f) => f.type === 'member.removed' && f.userId === b.id, 'member.removed');
    const count = bs.frames.length;
    await send(server, a, chat.id, 'after you left');
    await call(server, a, 'PATCH', `/chats/${chat.id}`, { name: 'Without b' });
    await sleep(300);
    expect(bs.frames.slice(count)).toEqual([]);
  });

  it('sends typing to the other members only', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const as = await open({ token: a.token });
    const bs = await open({ token: b.token });
    as.send({ type: 'typing', chatId: chat.id });
    expect(await bs.next((f) => f.type === 'typing', 'typing')).toMatchObject({ chatId: chat.id, userId: a.id, username: a.username });
    await sleep(200);
    expect(as.ofType('typing')).toEqual([]);
  });
});

describe('client frames', () => {
  it('sends a message over the socket and acknowledges it with id and seq; a retry stores nothing new', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const as = await open({ token: a.token });
    const bs = await open({ token: b.token });
    as.send({ type: 'message.send', chatId: chat.id, text: 'over the wire', clientId: 'w-1' });
    const ack = await as.next((f) => f.type === 'message.ack', 'message.ack');
    expect(ack).toMatchObject({ clientId: 'w-1', chatId: chat.id, seq: 1 });
    expect(await bs.next((f) => f.type === 'message.created', 'message.created')).toMatchObject({ message: { id: ack.id, text: 'over the wire' } });
    as.send({ type: 'message.send', chatId: chat.id, text: 'over the wire', clientId: 'w-1' });
    await waitUntil(() => as.ofType('message.ack').length === 2, 'second ack');
    expect(as.ofType('message.ack')[1]).toMatchObject({ id: ack.id, seq: 1 });
    expect((await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`)).body.lastSeq).toBe(1);
    await send(server, b, chat.id, 'answer');
    as.send({ type: 'read', chatId: chat.id, seq: 2 });
    expect(await bs.next((f) => f.type === 'read.updated', 'read.updated')).toMatchObject({ userId: a.id, lastReadSeq: 2 });
    as.send({ type: 'ping' });
    await as.next((f) => f.type === 'pong', 'pong');
  });

  it('stores messages one socket sends into a chat in the order sent, without waiting for acks', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const as = await open({ token: a.token });
    for (let i = 0; i < 30; i++) as.send({ type: 'message.send', chatId: chat.id, text: `n${i}`, clientId: `o-${i}` });
    await waitUntil(() => as.ofType('message.ack').length === 30, 'thirty acks');
    const seqByClient = new Map(as.ofType('message.ack').map((f) => [f.clientId as string, f.seq as number]));
    expect(Array.from({ length: 30 }, (_, i) => seqByClient.get(`o-${i}`))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('answers bad frames with an error frame and stores nothing', async () => {
    const [a, b, outsider] = [await person(server), await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const as = await open({ token: a.token });
    const os = await open({ token: outsider.token });
    const errorAfter = async (socket: TestSocket, data: unknown) => {
      const from = socket.frames.length;
      socket.send(data);
      return socket.next((f) => f.type === 'error', 'an error frame', 5000, from);
    };
    expect(await errorAfter(as, '{not json')).toMatchObject({ code: 'malformed_frame' });
    expect(await errorAfter(as, '[1,2]')).toMatchObject({ code: 'malformed_frame' });
    expect(await errorAfter(as, { type: 'launch.missiles' })).toMatchObject({ code: 'unknown_type' });
    expect(await errorAfter(as, { type: 'message.send', chatId: chat.id, text: 'x'.repeat(4001), clientId: 'big' })).toMatchObject({ code: 'validation_failed', clientId: 'big' });
    expect(await errorAfter(as, { type: 'message.send', chatId: chat.id, text: '   ', clientId: 'blank' })).toMatchObject({ code: 'empty_message', clientId: 'blank' });
    expect(await errorAfter(as, { type: 'message.send', chatId: 'one', text: 'hi' })).toMatchObject({ code: 'validation_failed' });
    expect(await errorAfter(os, { type: 'message.send', chatId: chat.id, text: 'let me in', clientId: 'intruder' })).toMatchObject({ code: 'chat_not_found', clientId: 'intruder' });
    expect(await errorAfter(os, { type: 'typing', chatId: chat.id })).toMatchObject({ code: 'chat_not_found' });
    expect(await errorAfter(as, { type: 'read', chatId: chat.id, seq: 5 })).toMatchObject({ code: 'seq_out_of_range' });
    const from = as.frames.length;
    as.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await as.next((f) => f.type === 'error', 'binary error', 5000, from)).toMatchObject({ code: 'binary_frame' });
    expect((await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`)).body.lastSeq).toBe(0);
    expect(as.isOpen).toBe(true);
  });

  it('closes with 1009 on a frame over 64 KB', async () => {
    const me = await person(server);
    const socket = await open({ token: me.token });
    socket.send({ type: 'ping', padding: 'x'.repeat(70 * 1024) });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('limits', () => {
  it('closes with 4029 when a client floods frames', async () => {
    const strict = await startTestServer({ env: { WS_RATE_LIMIT: '10/10s' } });
    try {
      const me = await person(strict);
      const socket = await TestSocket.open(strict, { token: me.token });
      for (let i = 0; i < 30; i++) socket.send({ type: 'ping' });
      expect((await socket.closed).code).toBe(4029);
      expect(socket.ofType('pong').length).toBeLessThanOrEqual(10);
    } finally {
      await strict.close();
    }
  });

  it('closes a consumer that does not read with 4008, keeping the server’s buffer bounded', async () => {
    const strict = await startTestServer({ env: { WS_MAX_BUFFERED_BYTES: '65536' } });
    try {
      const [a, b] = [await person(strict), await person(strict)];
      const chat = await direct(strict, a, b);
      const reader = await TestSocket.open(strict, { token: b.token });
      const slow = await TestSocket.open(strict, { token: a.token });
      // Stop reading: the kernel buffers fill, then the server's outgoing buffer.
      (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      // Loopback kernel buffers take several megabytes before the server's own buffer grows.
      const text = 'y'.repeat(4000);
      for (let i = 0; i < 250 && strict.app.connections.connectionCount > 1; i++) {
        await Promise.all(Array.from({ length: 20 }, () => call(strict, b, 'POST', `/chats/${chat.id}/messages`, { text })));
      }
      await waitUntil(() => strict.app.connections.connectionCount === 1, 'the slow socket to be dropped', 10_000);
      (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect((await slow.closed).code).toBe(4008);
      expect(reader.isOpen).toBe(true);
      expect(reader.ofType('message.created').length).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it('closes a socket that stops answering pings', async () => {
    const me = await person(server);
    const url = `${server.url.replace(/^http/, 'ws')}/api/v1/ws`;
    const silent = new WebSocket(url, { headers: bearer(me.token), autoPong: false });
    const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    silent.on('error', () => {});
    const started = Date.now();
    const code = await closed;
    expect(code).toBe(1006);
    // Heartbeat is 1 s here: gone after at most two missed pings.
    expect(Date.now() - started).toBeLessThan(4000);
  });
});

describe('catching up after a reconnect', () => {
  it('sees each of 100 messages sent while away exactly once and in seq order', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    await send(server, b, chat.id, 'before');
    const first = await open({ token: a.token });
    await first.next((f) => f.type === 'message.created' || false, 'nothing', 200).catch(() => undefined);
    const lastSeq = 1;
    await first.close();

    const sending = (async () => {
      for (let i = 1; i <= 100; i++) await send(server, b, chat.id, `while away ${i}`);
    })();
    await sleep(50);
    const second = await open({ token: a.token });
    await sending;
    await send(server, b, chat.id, 'after');

    // Catch up from lastSeq with pages, then merge the live frames, dropping what was already seen.
    const seen = new Map<number, string>();
    let after = lastSeq;
    for (;;) {
      const page = await call<{ items: MessageJson[]; nextCursor: string | null }>(server, a, 'GET', `/chats/${chat.id}/messages?after=${after}&limit=100`);
      for (const m of page.body.items) {
        expect(seen.has(m.seq)).toBe(false);
        seen.set(m.seq, m.text!);
      }
      if (!page.body.nextCursor) break;
      after = Number(page.body.nextCursor);
    }
    await second.next((f) => f.type === 'message.created' && (f.message as MessageJson).text === 'after', 'the live message');
    for (const frame of second.ofType('message.created') as Array<Frame & { message: MessageJson }>) {
      if (!seen.has(frame.message.seq)) seen.set(frame.message.seq, frame.message.text!);
    }
    const seqs = [...seen.keys()].sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 101 }, (_, i) => i + 2));
    expect(seen.get(2)).toBe('while away 1');
    expect(seen.get(101)).toBe('while away 100');
  });
});

describe('presence', () => {
  it('tells direct-chat partners when someone comes online and goes offline, and shows it in member lists', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const watcher = await open({ token: a.token });
    const bs = await open({ token: b.token });
    expect(await watcher.next((f) => f.type === 'presence' && f.userId === b.id, 'online')).toMatchObject({ online: true, lastSeenAt: null });
    const listed = await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`);
    expect(listed.body.members.find((m) => m.id === b.id)?.online).toBe(true);
    await bs.close();
    const offline = await watcher.next((f) => f.type === 'presence' && f.userId === b.id && f.online === false, 'offline');
    expect(Date.parse(offline.lastSeenAt as string)).not.toBeNaN();
    const me = (await (await server.request('/api/v1/users/me', { headers: bearer(b.token) })).json()) as { lastSeenAt: string };
    expect(me.lastSeenAt).toBe(offline.lastSeenAt);
    expect((await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`)).body.members.find((m) => m.id === b.id)?.online).toBe(false);
  });
});
