import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, direct, group, person, send, type ChatJson, type MessageJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let server: TestServer;
const sockets: TestSocket[] = [];
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await server?.close();
});

async function open(who: Person): Promise<TestSocket> {
  const socket = await TestSocket.open(server, { token: who.token });
  sockets.push(socket);
  return socket;
}

type Problem = { code: string; detail: string; errors?: Array<{ field: string; message: string }> };
const thumbsUp = encodeURIComponent('👍');

/**
 * Ann blocks Bob after they talked in their direct chat; Cai is in a group with both. The group is
 * also the barrier for "nothing arrived": the bus keeps order, so once Cai's message in it reaches
 * Ann, anything Bob's action published before it would have reached her too.
 */
async function blockedPair() {
  const [ann, bob, cai] = [await person(server), await person(server), await person(server)];
  const chat = await direct(server, ann, bob);
  const annSaid = await send(server, ann, chat.id, 'hi Bob');
  const bobSaid = await send(server, bob, chat.id, 'hi Ann');
  const team = await group(server, cai, [ann, bob]);
  expect((await call(server, ann, 'PUT', `/blocks/${bob.id}`)).status).toBe(204);
  let barriers = 0;
  /** Resolves once everything published before it has reached `socket`. */
  const settled = async (socket: TestSocket) => {
    const text = `barrier ${++barriers}`;
    await send(server, cai, team.id, text);
    await socket.next((f) => f.type === 'message.created' && (f.message as MessageJson).text === text, text);
  };
  return { ann, bob, cai, chat, team, annSaid, bobSaid, settled };
}

describe('a block holds in the direct chat, from either side', () => {
  it('refuses typing over the socket with an error frame, and the other side hears nothing', async () => {
    const { ann, bob, chat, settled } = await blockedPair();
    const annSocket = await open(ann);
    const bobSocket = await open(bob);
    bobSocket.send({ type: 'typing', chatId: chat.id });
    expect(await bobSocket.next((f) => f.type === 'error', 'an error frame')).toMatchObject({ code: 'blocked' });
    annSocket.send({ type: 'typing', chatId: chat.id });
    expect(await annSocket.next((f) => f.type === 'error', 'an error frame')).toMatchObject({ code: 'blocked' });
    await settled(annSocket);
    await settled(bobSocket);
    expect(annSocket.ofType('typing')).toEqual([]);
    expect(bobSocket.ofType('typing')).toEqual([]);
  });

  it('refuses sends, reactions and edits with 403 blocked, and tells the other side nothing', async () => {
    const { ann, bob, chat, annSaid, bobSaid, settled } = await blockedPair();
    const annSocket = await open(ann);
    const bobSocket = await open(bob);
    const attempts: Array<[Person, string, string, unknown?]> = [
      [bob, 'PUT', `/chats/${chat.id}/messages/${annSaid.id}/reactions/${thumbsUp}`],
      [bob, 'DELETE', `/chats/${chat.id}/messages/${annSaid.id}/reactions/${thumbsUp}`],
      [bob, 'PATCH', `/chats/${chat.id}/messages/${bobSaid.id}`, { text: 'you will read this anyway' }],
      [bob, 'POST', `/chats/${chat.id}/messages`, { text: 'hello?' }],
      [ann, 'PUT', `/chats/${chat.id}/messages/${bobSaid.id}/reactions/${thumbsUp}`],
      [ann, 'PATCH', `/chats/${chat.id}/messages/${annSaid.id}`, { text: 'edited after the block' }],
      [ann, 'POST', `/chats/${chat.id}/messages`, { text: 'bye' }],
    ];
    for (const [who, method, path, json] of attempts) {
      const res = await call<Problem>(server, who, method, path, json);
      expect(res.status, `${who === ann ? 'ann' : 'bob'} ${method} ${path}`).toBe(403);
      expect(res.body.code).toBe('blocked');
    }
    await settled(annSocket);
    await settled(bobSocket);
    for (const socket of [annSocket, bobSocket]) {
      expect(socket.frames.filter((f) => f.chatId === chat.id).map((f) => f.type)).toEqual([]);
    }
    // History is still there to read, unchanged.
    const history = await call<{ items: MessageJson[] }>(server, bob, 'GET', `/chats/${chat.id}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((m) => [m.text, m.editedAt, m.reactions])).toEqual([
      ['hi Ann', null, []],
      ['hi Bob', null, []],
    ]);
  });

  it('lets each take back their own messages, and both see them go', async () => {
    const { ann, bob, chat, annSaid, bobSaid } = await blockedPair();
    const annSocket = await open(ann);
    const bobSocket = await open(bob);
    for (const [who, message] of [[bob, bobSaid], [ann, annSaid]] as const) {
      expect((await call(server, who, 'DELETE', `/chats/${chat.id}/messages/${message.id}`)).status).toBe(204);
      for (const socket of [annSocket, bobSocket]) {
        await socket.next((f) => f.type === 'message.deleted' && f.messageId === message.id, `the deletion of ${message.text}`);
      }
    }
    const history = await call<{ items: MessageJson[] }>(server, bob, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items.map((m) => m.deletedAt !== null)).toEqual([true, true]);
  });

  it('moves my own read marker, without telling the other side', async () => {
    const { ann, bob, chat, settled } = await blockedPair();
    const bobSocket = await open(bob);
    // Bob's "hi Ann" (seq 2) is unread for Ann.
    const read = await call<{ lastReadSeq: number; unreadCount: number }>(server, ann, 'POST', `/chats/${chat.id}/read`, { seq: 2 });
    expect(read).toEqual({ status: 200, body: { lastReadSeq: 2, unreadCount: 0 } });
    expect((await call<ChatJson>(server, ann, 'GET', `/chats/${chat.id}`)).body.unreadCount).toBe(0);
    await settled(bobSocket);
    expect(bobSocket.ofType('read.updated')).toEqual([]);
  });

  it('shows neither how far the other has read, in the chat or in the list', async () => {
    const { ann, bob, chat } = await blockedPair();
    expect((await call(server, ann, 'POST', `/chats/${chat.id}/read`, { seq: 2 })).status).toBe(200);
    for (const who of [ann, bob]) {
      expect((await call<ChatJson>(server, who, 'GET', `/chats/${chat.id}`)).body.othersReadSeq, who.username).toBe(0);
      const listed = (await call<{ items: ChatJson[] }>(server, who, 'GET', '/chats')).body.items.find((c) => c.id === chat.id);
      expect(listed?.othersReadSeq, who.username).toBe(0);
    }
    // Unblocked, each sees the other's marker again.
    expect((await call(server, ann, 'DELETE', `/blocks/${bob.id}`)).status).toBe(204);
    expect((await call<ChatJson>(server, bob, 'GET', `/chats/${chat.id}`)).body.othersReadSeq).toBe(2);
  });

  it('refuses friend requests either way', async () => {
    const { ann, bob } = await blockedPair();
    for (const [from, to] of [
      [bob, ann],
      [ann, bob],
    ] as const) {
      const res = await call<Problem>(server, from, 'PUT', `/friends/${to.id}`);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('blocked');
    }
  });
});

describe('a block keeps people out of each other’s groups', () => {
  it('refuses creating a group with someone I block or who blocks me, naming them', async () => {
    const { ann, bob, cai } = await blockedPair();
    for (const [creator, other] of [
      [bob, ann],
      [ann, bob],
    ] as const) {
      const res = await call<Problem>(server, creator, 'POST', '/chats', { type: 'group', name: 'Ambush', memberIds: [cai.id, other.id] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('blocked');
      expect(res.body.errors).toEqual([{ field: 'memberIds', message: expect.stringContaining(String(other.id)) as unknown }]);
    }
    const chats = await call<{ items: ChatJson[] }>(server, cai, 'GET', '/chats');
    expect(chats.body.items.filter((c) => c.name === 'Ambush')).toEqual([]);
  });

  it('refuses adding them to a group, either way', async () => {
    const { ann, bob, cai } = await blockedPair();
    const bobs = await group(server, bob, [cai], 'Bob’s');
    const anns = await group(server, ann, [cai], 'Ann’s');
    const cais = await open(cai);
    for (const [adder, chat, other] of [
      [bob, bobs, ann],
      [ann, anns, bob],
    ] as const) {
      const res = await call<Problem>(server, adder, 'POST', `/chats/${chat.id}/members`, { userIds: [other.id] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('blocked');
      expect(res.body.errors).toEqual([{ field: 'userIds', message: expect.stringContaining(String(other.id)) as unknown }]);
      expect((await call<ChatJson>(server, cai, 'GET', `/chats/${chat.id}`)).body.memberCount).toBe(2);
    }
    expect(cais.ofType('member.added')).toEqual([]);
  });

  it('leaves a group both were already in working for both, as any group', async () => {
    const { ann, bob, team } = await blockedPair();
    const annSocket = await open(ann);
    const said = await send(server, bob, team.id, 'still in the team');
    await annSocket.next((f) => f.type === 'message.created' && (f.message as MessageJson).id === said.id, 'Bob’s message in the group');
    expect((await call(server, ann, 'PUT', `/chats/${team.id}/messages/${said.id}/reactions/${thumbsUp}`)).status).toBe(200);
  });
});

describe('a block hides presence both ways', () => {
  it('does not tell the blocked person when the blocker comes online or goes offline, nor the other way', async () => {
    const { ann, bob } = await blockedPair();
    const dan = await person(server);
    await direct(server, dan, ann);
    await direct(server, dan, bob);
    const danSocket = await open(dan);
    const bobSocket = await open(bob);
    await danSocket.next((f) => f.type === 'presence' && f.userId === bob.id && f.online === true, 'Bob online');
    const annSocket = await open(ann);
    // Dan hears of Ann in the same delivery Bob would.
    await danSocket.next((f) => f.type === 'presence' && f.userId === ann.id && f.online === true, 'Ann online');
    await annSocket.close();
    await danSocket.next((f) => f.type === 'presence' && f.userId === ann.id && f.online === false, 'Ann offline');
    // Bob may hear of Dan (his direct-chat partner, who came online just before him), never of Ann.
    expect(bobSocket.ofType('presence').filter((f) => f.userId === ann.id)).toEqual([]);

    const annAgain = await open(ann);
    await bobSocket.close();
    await danSocket.next((f) => f.type === 'presence' && f.userId === bob.id && f.online === false, 'Bob offline');
    expect(annAgain.ofType('presence').filter((f) => f.userId === bob.id)).toEqual([]);
  });

  it('shows neither as online, nor when last seen, in profiles, member lists and the block list', async () => {
    const { ann, bob, cai, team } = await blockedPair();
    const first = await open(ann);
    await first.close();
    await open(ann);
    await open(bob);
    const profile = async (viewer: Person, of: Person) => (await call<{ isOnline: boolean; lastSeenAt: string | null }>(server, viewer, 'GET', `/users/${of.id}`)).body;
    expect(await profile(cai, ann)).toMatchObject({ isOnline: true, lastSeenAt: expect.any(String) as unknown });
    expect(await profile(bob, ann)).toMatchObject({ isOnline: false, lastSeenAt: null });
    expect(await profile(ann, bob)).toMatchObject({ isOnline: false, lastSeenAt: null });

    const onlineIn = (chat: ChatJson, who: Person) => chat.members.find((m) => m.id === who.id)?.online;
    expect(onlineIn((await call<ChatJson>(server, cai, 'GET', `/chats/${team.id}`)).body, ann)).toBe(true);
    expect(onlineIn((await call<ChatJson>(server, bob, 'GET', `/chats/${team.id}`)).body, ann)).toBe(false);
    expect(onlineIn((await call<ChatJson>(server, ann, 'GET', `/chats/${team.id}`)).body, bob)).toBe(false);
    const bobsList = await call<{ items: ChatJson[] }>(server, bob, 'GET', '/chats');
    expect(onlineIn(bobsList.body.items.find((c) => c.id === team.id)!, ann)).toBe(false);

    const blocked = await call<{ items: Array<{ id: number; isOnline: boolean; lastSeenAt: string | null }> }>(server, ann, 'GET', '/blocks');
    expect(blocked.body.items).toMatchObject([{ id: bob.id, isOnline: false, lastSeenAt: null }]);
  });

  it('shows neither as online in group events both of them receive', async () => {
    const { ann, bob, cai, team } = await blockedPair();
    await open(ann);
    const bobSocket = await open(bob);
    expect((await call(server, cai, 'PATCH', `/chats/${team.id}`, { name: 'Renamed' })).status).toBe(200);
    const updated = await bobSocket.next((f) => f.type === 'chat.updated', 'chat.updated');
    const members = (updated.chat as { members: Array<{ id: number; online: boolean }> }).members;
    expect(members.find((m) => m.id === ann.id)?.online).toBe(false);
  });
});
