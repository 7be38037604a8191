import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { BuiltModules } from '../../src/app.js';
import type { Module } from '../../src/modules/module.js';
import { chatIdOf, type RealtimeEvent } from '../../src/realtime/events.js';
import { webSocketRoute } from '../../src/realtime/handshake.js';
import type { Protocol } from '../../src/realtime/protocol.js';
import { jsonFrame } from '../../src/realtime/wire-frame.js';
import { bearer } from '../helpers/accounts.js';
import { call, direct, group, person, send, type MessageJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { TestSocket } from '../helpers/ws.js';

/**
 * A second protocol on the same registry, as a dialect's per-conversation socket would be: its own
 * path, one chat per socket, and its own frame for a new message. It shows nothing else.
 */
class TestRoomProtocol implements Protocol {
  readonly name = 'test-room';
  /** The message ids it rendered, once per rendering. */
  readonly rendered: number[] = [];

  render(event: RealtimeEvent): Buffer | undefined {
    if (event.type !== 'message.created') return undefined;
    this.rendered.push(event.message.id);
    return jsonFrame({ text: event.message.text, realSender: event.message.senderUsername });
  }
}

/** The module a dialect would be: built from the modules before it, routes at its own prefix. */
function testRoomModule({ realtime, chats }: BuiltModules, protocol: TestRoomProtocol): Module {
  return {
    name: 'test-room',
    routes: {
      prefix: '/test-room',
      plugin: (scope) =>
        webSocketRoute(scope, {
          url: '/:chatId/ws',
          handshake: async (request) => {
            const signedIn = await realtime.handshake.signedIn(request);
            if (!signedIn.ok) return signedIn;
            const chatId = Number((request.params as { chatId: string }).chatId);
            if (!Number.isSafeInteger(chatId) || !(await chats.isMember(chatId, signedIn.accepted.principal.userId))) {
              return { ok: false, code: 'chat_not_found', closeCode: 4404 };
            }
            return { ok: true, accepted: { principal: signedIn.accepted.principal, chatId } };
          },
          open: (socket, request, { principal, chatId }) => {
            const connection = realtime.registry.open(socket, request.raw.socket, {
              principal,
              protocol,
              accepts: (event) => chatIdOf(event) === chatId,
              receiver: () => ({ receive: () => {} }),
            });
            connection.send(jsonFrame({ joined: chatId }));
          },
        }),
    },
  };
}

/** A client of the test room: records the JSON frames it gets. */
class RoomSocket {
  readonly frames: Array<Record<string, unknown>> = [];
  closeInfo: { code: number; reason: string } | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>));
    ws.on('error', () => {});
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve((this.closeInfo = { code, reason: reason.toString() }))));
  }

  get texts(): unknown[] {
    return this.frames.filter((f) => 'text' in f).map((f) => f.text);
  }
}

let server: TestServer;
const testRoom = new TestRoomProtocol();
let apiV1Render: MockInstance<(event: RealtimeEvent) => Buffer>;
const clients: Array<{ close(): void }> = [];

beforeAll(async () => {
  server = await startTestServer({
    extraModules: (built) => {
      apiV1Render = vi.spyOn(built.realtime.apiV1, 'render');
      return [testRoomModule(built, testRoom)];
    },
  });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
});

async function openRoom(chatId: number, who: Person): Promise<RoomSocket> {
  const socket = new RoomSocket(new WebSocket(`${server.url.replace(/^http/, 'ws')}/test-room/${chatId}/ws`, { headers: bearer(who.token) }));
  clients.push(socket.ws);
  await waitUntil(() => socket.closeInfo !== undefined || socket.frames.some((f) => f.joined === chatId), 'the room socket to join or close');
  return socket;
}

async function openApi(who: Person): Promise<TestSocket> {
  const socket = await TestSocket.open(server, { token: who.token });
  clients.push(socket.ws);
  return socket;
}

/** How many times the canonical protocol rendered the `message.created` of this message. */
const apiV1Renders = (messageId: number) =>
  apiV1Render.mock.calls.filter(([event]) => event.type === 'message.created' && event.message.id === messageId).length;

describe('a second protocol on the same registry', () => {
  it('gets the same message in its own format, only for its chat, rendered once per protocol however many sockets', async () => {
    const [a, b, c, d] = [await person(server), await person(server), await person(server), await person(server)];
    const chat = await group(server, a, [b, c], 'Rooms');
    const other = await direct(server, a, d);
    const apiSockets = [await openApi(a), await openApi(a), await openApi(b), await openApi(b), await openApi(c)];
    const rooms = [await openRoom(chat.id, a), await openRoom(chat.id, a), await openRoom(chat.id, b), await openRoom(chat.id, c), await openRoom(chat.id, c)];
    const otherRoom = await openRoom(other.id, d);

    const message = await send(server, b, chat.id, 'hello rooms');
    for (const socket of apiSockets) {
      const frame = await socket.next((f) => f.type === 'message.created' && (f.message as MessageJson).id === message.id, 'the canonical frame');
      expect(frame).toMatchObject({ type: 'message.created', chatId: chat.id, message: { id: message.id, text: 'hello rooms', sender: { id: b.id, username: b.username } } });
    }
    for (const room of rooms) {
      await waitUntil(() => room.texts.includes('hello rooms'), 'the room frame');
      expect(room.frames.at(-1)).toEqual({ text: 'hello rooms', realSender: b.username });
    }
    expect(apiV1Renders(message.id)).toBe(1);
    expect(testRoom.rendered.filter((id) => id === message.id)).toHaveLength(1);

    // A message of another chat: a's canonical sockets get it; a's room sockets (of the first chat) do not.
    const elsewhere = await send(server, d, other.id, 'not for that room');
    await waitUntil(() => otherRoom.texts.includes('not for that room'), 'the other room frame');
    for (const socket of apiSockets.slice(0, 2)) await socket.next((f) => f.type === 'message.created' && (f.message as MessageJson).id === elsewhere.id, 'the other chat on the canonical socket');
    await sleep(100);
    for (const room of rooms) expect(room.texts).toEqual(['hello rooms']);
    expect(testRoom.rendered.filter((id) => id === elsewhere.id)).toHaveLength(1);

    // Events it does not show (typing, reactions, reads) never reach its sockets.
    await call(server, a, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`);
    await call(server, a, 'POST', `/chats/${chat.id}/read`, { seq: 1 });
    await apiSockets[2]!.next((f) => f.type === 'reaction.updated', 'the reaction on the canonical socket');
    await sleep(100);
    expect(rooms[0]!.frames).toEqual([{ joined: chat.id }, { text: 'hello rooms', realSender: b.username }]);
  });

  it('refuses a room socket to someone who is not a member, and stops a member removed from the chat hearing of it', async () => {
    const [owner, member, stranger] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, owner, [member], 'Members only');
    const refused = await openRoom(chat.id, stranger);
    expect(await refused.closed).toEqual({ code: 4404, reason: 'chat_not_found' });
    expect(refused.frames).toEqual([]);
    const bad = await openRoom(chat.id, { ...stranger, token: 'not-a-token' });
    expect((await bad.closed).code).toBe(4401);

    const room = await openRoom(chat.id, member);
    const ownerRoom = await openRoom(chat.id, owner);
    expect((await call(server, owner, 'DELETE', `/chats/${chat.id}/members/${member.id}`)).status).toBe(204);
    await send(server, owner, chat.id, 'after you left');
    await waitUntil(() => ownerRoom.texts.includes('after you left'), 'the message in the owner’s room');
    await sleep(100);
    expect(room.texts).toEqual([]);
  });

  it('closes the sockets of both protocols with 4401 when their session logs out', async () => {
    const [me, friend] = [await person(server), await person(server)];
    const chat = await direct(server, me, friend);
    const canonical = await openApi(me);
    const room = await openRoom(chat.id, me);
    const friendRoom = await openRoom(chat.id, friend);
    expect((await server.request('/api/v1/auth/logout', { method: 'POST', headers: bearer(me.token) })).status).toBe(204);
    expect((await canonical.closed).code).toBe(4401);
    expect((await room.closed).code).toBe(4401);
    await sleep(100);
    expect(friendRoom.closeInfo).toBeUndefined();
  });
});
