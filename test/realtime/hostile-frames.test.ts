import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { direct, person, send } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let server: TestServer;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  server = await startTestServer({ env: { WS_MAX_SOCKETS_PER_USER: '3', WS_RATE_LIMIT: '1000/10s' } });
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});
async function open(token: string) {
  const socket = await TestSocket.open(server, { token });
  sockets.push(socket);
  return socket;
}

// Names every plain object inherits; looking a frame's type up among them once stopped the process.
const inheritedNames = [
  'constructor',
  'toString',
  'valueOf',
  '__proto__',
  'toLocaleString',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'prototype',
];

describe('frames no handler expects', () => {
  it('answers a type named like an inherited property with unknown_type, and the server keeps serving', async () => {
    const me = await person(server);
    const socket = await open(me.token);
    for (const [i, type] of inheritedNames.entries()) {
      const from = socket.frames.length;
      socket.send({ type, clientId: `c-${i}` });
      const answer = await socket.next((f) => f.type === 'error', `an error frame for type ${type}`, 5000, from);
      expect(answer, type).toMatchObject({ code: 'unknown_type', clientId: `c-${i}` });
    }
    // A frame whose own keys shadow Object.prototype is just data.
    socket.send('{"__proto__":{"type":"ping"},"type":"toString"}');
    await socket.next((f) => f.type === 'error' && f.code === 'unknown_type' && !('clientId' in f), 'the shadowing frame answered');
    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong', 'a pong after the hostile frames');
    expect(socket.isOpen).toBe(true);
    expect((await server.request('/health')).status).toBe(200);
  });

  it('answers text no store can keep, and numbers out of range, with validation errors', async () => {
    const [me, friend] = [await person(server), await person(server)];
    const chat = await direct(server, me, friend);
    const socket = await open(me.token);
    const bad = [
      { type: 'message.send', chatId: chat.id, text: 'a\u0000b', clientId: 'nul' },
      { type: 'message.send', chatId: chat.id, text: 'a\uD800b', clientId: 'surrogate' },
      { type: 'message.send', chatId: chat.id, text: 'ok', clientId: 'x\uDC00' },
      { type: 'read', chatId: chat.id, seq: 2 ** 60 },
      { type: 'typing', chatId: -1 },
    ];
    // JSON may spell a number too large for a double; it parses to Infinity.
    const overflow = '{"type":"read","chatId":1,"seq":1e400}';
    for (const frame of [...bad, overflow]) {
      const from = socket.frames.length;
      socket.send(frame);
      const answer = await socket.next((f) => f.type === 'error', `an error for ${JSON.stringify(frame)}`, 5000, from);
      expect(answer.code, JSON.stringify(frame)).toBe('validation_failed');
    }
    // Nothing was stored from any of them.
    const last = await send(server, me, chat.id, 'after');
    expect(last.seq).toBe(1);
  });
});

describe('sockets per user', () => {
  it('closes the oldest socket with 4409 when a user opens one more than the cap', async () => {
    const me = await person(server);
    const first = await open(me.token);
    const second = await open(me.token);
    const third = await open(me.token);
    const fourth = await open(me.token);
    expect(await first.closed).toEqual({ code: 4409, reason: 'too many open sockets for this user' });
    for (const socket of [second, third, fourth]) expect(socket.isOpen).toBe(true);
    // The survivors still get events.
    const friend = await person(server);
    const chat = await direct(server, friend, me);
    await send(server, friend, chat.id, 'hello');
    for (const socket of [second, third, fourth]) await socket.next((f) => f.type === 'message.created', 'the message on a surviving socket');
    // Another user's sockets are their own count.
    expect((await open(friend.token)).isOpen).toBe(true);
  });
});
