import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, usesPostgres, usesRedis, type TestEnvironment } from '../helpers/environment.js';
import { call, group, person, send, type ChatJson, type MessageJson, type Person } from '../helpers/chats.js';
import { asTestServer, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket, type Frame } from '../helpers/ws.js';

interface SyncAnswer {
  events: Frame[];
  nextToken: string;
  hasMore: boolean;
}

/** Pages through GET /sync from `since` in pages of `limit`; every event, and the token to keep. */
async function syncAll(server: TestServer, who: Person, since: string, limit = 37): Promise<{ events: Frame[]; token: string; pages: number }> {
  const events: Frame[] = [];
  let token = since;
  let pages = 0;
  for (;;) {
    const { status, body } = await call<SyncAnswer>(server, who, 'GET', `/sync?since=${token}&limit=${limit}`);
    expect(status, JSON.stringify(body)).toBe(200);
    pages += 1;
    events.push(...body.events);
    token = body.nextToken;
    if (!body.hasMore) return { events, token, pages };
    expect(body.events).toHaveLength(limit);
  }
}

async function nowToken(server: TestServer, who: Person): Promise<string> {
  const { status, body } = await call<SyncAnswer>(server, who, 'GET', '/sync');
  expect(status).toBe(200);
  expect(body.events).toEqual([]);
  expect(body.hasMore).toBe(false);
  expect(body.nextToken).toMatch(/^[0-9]+$/);
  return body.nextToken;
}

const positions = (events: Frame[]) => events.map((e) => Number(e.syncToken));

interface ReplayedState {
  name: string | null;
  members: Set<number>;
  messages: Map<number, { seq: number; text: string | null; editedAt: unknown; deletedAt: unknown }>;
  reactions: Map<number, Map<string, number>>;
  readBy: Map<number, number>;
}

/** What a client knows after applying the events, starting from the chat as it last saw it. */
function replay(chat: ChatJson, events: Frame[]): ReplayedState {
  const state: ReplayedState = { name: chat.name, members: new Set(chat.members.map((m) => m.id)), messages: new Map(), reactions: new Map(), readBy: new Map() };
  for (const e of events) {
    if (e.chatId !== chat.id && (e.chat as { id?: number } | undefined)?.id !== chat.id) continue;
    switch (e.type) {
      case 'message.created':
      case 'message.updated': {
        const m = e.message as MessageJson & { createdAt: string };
        state.messages.set(m.id, { seq: m.seq, text: m.text, editedAt: m.editedAt, deletedAt: m.deletedAt });
        break;
      }
      case 'message.deleted': {
        const m = state.messages.get(e.messageId as number)!;
        state.messages.set(e.messageId as number, { ...m, text: null, deletedAt: 'deleted' });
        state.reactions.delete(e.messageId as number);
        break;
      }
      case 'reaction.updated': {
        const byEmoji = state.reactions.get(e.messageId as number) ?? new Map<string, number>();
        if ((e.count as number) === 0) byEmoji.delete(e.emoji as string);
        else byEmoji.set(e.emoji as string, e.count as number);
        state.reactions.set(e.messageId as number, byEmoji);
        break;
      }
      case 'read.updated':
        state.readBy.set(e.userId as number, e.lastReadSeq as number);
        break;
      case 'member.removed':
        state.members.delete(e.userId as number);
        break;
      case 'member.added':
        for (const m of e.members as Array<{ id: number }>) state.members.add(m.id);
        break;
      case 'chat.updated':
        state.name = (e.chat as { name: string | null }).name;
        break;
    }
  }
  return state;
}

async function allMessages(server: TestServer, who: Person, chatId: number): Promise<MessageJson[]> {
  const messages: MessageJson[] = [];
  let after = 0;
  for (;;) {
    const { status, body } = await call<{ items: MessageJson[] }>(server, who, 'GET', `/chats/${chatId}/messages?after=${after}&limit=100`);
    expect(status).toBe(200);
    messages.push(...body.items);
    if (body.items.length < 100) return messages;
    after = body.items.at(-1)!.seq;
  }
}

/**
 * Carl is offline while the group changes in every way on `a` and `b` (one node, or two), then syncs
 * on `b`: each change exactly once, in order, ending at the state GET shows.
 */
async function offlineScenario(a: TestServer, b: TestServer): Promise<void> {
  const ann = await person(a);
  const bob = await person(b);
  const carl = await person(a);
  const dora = await person(b);
  const eve = await person(a);
  const fay = await person(b);
  const gil = await person(a);
  const chat = await group(a, ann, [bob, carl, dora, fay], 'Climbing');
  const before = await send(a, ann, chat.id, 'before Carl left');

  // Carl's socket says where he is, then he goes offline.
  const online = await TestSocket.open(b, { token: carl.token });
  const ready = online.ofType('ready')[0]!;
  expect(ready.syncToken).toEqual(expect.any(String));
  await online.close();
  const since = ready.syncToken as string;
  const doraSince = await nowToken(a, dora);

  const sent: MessageJson[] = [];
  for (let i = 0; i < 100; i++) {
    const [server, who] = i % 2 === 0 ? [a, ann] : [b, bob];
    sent.push(await send(server, who, chat.id, `message ${i}`));
    // Dora is removed halfway: she sees her removal and nothing of the chat after it.
    if (i === 49) expect((await call(a, ann, 'DELETE', `/chats/${chat.id}/members/${dora.id}`)).status).toBe(204);
  }
  const edited = sent.filter((m) => m.sender!.id === ann.id).slice(0, 10);
  for (const m of edited) expect((await call(a, ann, 'PATCH', `/chats/${chat.id}/messages/${m.id}`, { text: `${m.text} (edited)` })).status).toBe(200);
  const deleted = sent.filter((m) => m.sender!.id === bob.id).slice(0, 5);
  for (const m of deleted) expect((await call(b, bob, 'DELETE', `/chats/${chat.id}/messages/${m.id}`)).status).toBe(204);
  const liked = sent[60]!;
  const thumbs = encodeURIComponent('👍');
  expect((await call(b, bob, 'PUT', `/chats/${chat.id}/messages/${liked.id}/reactions/${thumbs}`)).status).toBe(200);
  expect((await call(a, ann, 'PUT', `/chats/${chat.id}/messages/${liked.id}/reactions/${thumbs}`)).status).toBe(200);
  expect((await call(b, bob, 'DELETE', `/chats/${chat.id}/messages/${liked.id}/reactions/${thumbs}`)).status).toBe(200);
  expect((await call(b, fay, 'POST', `/chats/${chat.id}/read`, { seq: sent[80]!.seq })).status).toBeLessThan(300);
  expect((await call(a, ann, 'PATCH', `/chats/${chat.id}`, { name: 'Bouldering' })).status).toBe(200);
  expect((await call(a, eve, 'PUT', `/friends/${carl.id}`)).status).toBeLessThan(300);
  // From Carl's other device: his own blocks reach him; Gil hears nothing of it.
  const gilSince = await nowToken(b, gil);
  expect((await call(a, carl, 'PUT', `/blocks/${gil.id}`)).status).toBeLessThan(300);
  // Typing is of the moment: not kept.
  const typing = await TestSocket.open(a, { token: ann.token });
  typing.send({ type: 'typing', chatId: chat.id });
  await typing.close();

  const { events, token } = await syncAll(b, carl, since);

  // In order, each once.
  const order = positions(events);
  expect(order.every((p, i) => i === 0 || p > order[i - 1]!)).toBe(true);
  expect(Number(token)).toBeGreaterThanOrEqual(order.at(-1)!);
  const types = (type: string) => events.filter((e) => e.type === type);
  expect(types('typing')).toEqual([]);
  expect(types('presence')).toEqual([]);
  const created = types('message.created').map((e) => (e.message as MessageJson).seq);
  expect(created).toEqual(sent.map((m) => m.seq));
  expect(types('message.updated').map((e) => (e.message as MessageJson).id)).toEqual(edited.map((m) => m.id));
  expect(types('message.deleted').map((e) => e.messageId)).toEqual(deleted.map((m) => m.id));
  expect(types('reaction.updated').map((e) => [e.userId, e.added, e.count])).toEqual([
    [bob.id, true, 1],
    [ann.id, true, 2],
    [bob.id, false, 1],
  ]);
  expect(types('member.removed').map((e) => e.userId)).toEqual([dora.id]);
  expect(types('chat.updated').map((e) => (e.chat as ChatJson).name)).toEqual(['Bouldering']);
  expect(types('friend.request').map((e) => [e.direction, (e.user as { id: number }).id])).toEqual([['incoming', eve.id]]);
  expect(types('block.added').map((e) => e.userId)).toEqual([gil.id]);
  expect((await syncAll(b, gil, gilSince)).events).toEqual([]);
  expect(types('read.updated').map((e) => [e.userId, e.lastReadSeq])).toEqual([[fay.id, sent[80]!.seq]]);
  // An edit comes after the message it edits; the removal after the 50th message.
  const at = (predicate: (e: Frame) => boolean) => events.findIndex(predicate);
  for (const m of edited) expect(at((e) => e.type === 'message.updated' && (e.message as MessageJson).id === m.id)).toBeGreaterThan(at((e) => e.type === 'message.created' && (e.message as MessageJson).id === m.id));
  expect(at((e) => e.type === 'member.removed')).toBeGreaterThan(at((e) => e.type === 'message.created' && (e.message as MessageJson).seq === sent[49]!.seq));

  // The state Carl ends with is the state GET shows.
  const state = replay(chat, events);
  const history = (await allMessages(b, carl, chat.id)).filter((m) => m.seq > before.seq);
  expect(history.map((m) => [m.id, m.seq, m.text, m.editedAt !== null, m.deletedAt !== null])).toEqual(
    [...state.messages.entries()].sort((x, y) => x[1].seq - y[1].seq).map(([id, m]) => [id, m.seq, m.text, m.editedAt !== null, m.deletedAt !== null]),
  );
  for (const m of history) {
    const replayed = [...(state.reactions.get(m.id) ?? new Map<string, number>()).entries()];
    expect(m.reactions.map((r) => [r.emoji, r.count])).toEqual(replayed);
  }
  const { body: now } = await call<ChatJson & { members: Array<{ id: number }> }>(b, carl, 'GET', `/chats/${chat.id}`);
  expect(now.name).toBe(state.name);
  expect(new Set(now.members.map((m) => m.id))).toEqual(state.members);
  const { body: requests } = await call<{ items: Array<{ id: number }> }>(b, carl, 'GET', '/friends/requests?direction=incoming');
  expect(requests.items.map((r) => r.id)).toEqual([eve.id]);
  const { body: blocks } = await call<{ items: Array<{ id: number }> }>(b, carl, 'GET', '/blocks');
  expect(blocks.items.map((r) => r.id)).toEqual([gil.id]);

  // Nothing new since: an empty page, and the same token.
  const again = await call<SyncAnswer>(a, carl, 'GET', `/sync?since=${token}`);
  expect(again.body).toEqual({ events: [], nextToken: token, hasMore: false });

  // The socket replays the same events on connect, says where the replay ends, then goes live.
  const back = await TestSocket.open(b, { token: carl.token, query: `since=${since}` });
  const synced = await back.next((f) => f.type === 'synced', 'the end of the replay');
  const replayed = back.frames.slice(1, back.frames.indexOf(synced));
  expect(back.frames[0]!.type).toBe('ready');
  expect(replayed.map((f) => [f.type, f.syncToken])).toEqual(events.map((e) => [e.type, e.syncToken]));
  expect(synced).toMatchObject({ replayed: events.length, syncToken: token });
  const live = await send(a, ann, chat.id, 'welcome back');
  const liveFrame = await back.next((f) => f.type === 'message.created' && (f.message as MessageJson).id === live.id, 'the live message');
  expect(Number(liveFrame.syncToken)).toBeGreaterThan(Number(token));
  await back.close();

  // Dora's events of the chat stop at her removal.
  const doraEvents = (await syncAll(a, dora, doraSince)).events.filter((e) => e.chatId === chat.id || (e.chat as { id?: number } | undefined)?.id === chat.id);
  expect(doraEvents.at(-1)).toMatchObject({ type: 'member.removed', userId: dora.id });
  expect(doraEvents.filter((e) => e.type === 'message.created')).toHaveLength(50);
}

describe('sync', () => {
  describe('on one node', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it('gives a client that was offline every change once, in order, ending at the state GET shows; the socket replays the same', async () => {
      await offlineScenario(server, server);
    }, 60_000);

    it('puts a syncToken on every frame it keeps, and none on typing or presence', async () => {
      const ann = await person(server);
      const bob = await person(server);
      const chat = await group(server, ann, [bob]);
      const socket = await TestSocket.open(server, { token: bob.token });
      const annSocket = await TestSocket.open(server, { token: ann.token });
      annSocket.send({ type: 'typing', chatId: chat.id });
      await send(server, ann, chat.id, 'hi');
      const created = await socket.next((f) => f.type === 'message.created');
      const typing = await socket.next((f) => f.type === 'typing');
      expect(created.syncToken).toMatch(/^[0-9]+$/);
      expect(typing).not.toHaveProperty('syncToken');
      expect(Number(created.syncToken)).toBeGreaterThan(Number(socket.frames[0]!.syncToken));
      // The frame and the synced event are the same object.
      const { events } = await syncAll(server, bob, socket.frames[0]!.syncToken as string);
      expect(events.find((e) => e.syncToken === created.syncToken)).toEqual(created);
      await Promise.all([socket.close(), annSocket.close()]);
    });

    it('refuses a token it never handed out: 400 for a malformed one, 410 resync_required for one ahead of its history', async () => {
      const ann = await person(server);
      for (const since of ['abc', '-1', '1e3', '01', '__proto__', '9'.repeat(16), ' 1', '1.5', 'Infinity', '%00']) {
        const { status, body } = await call<{ code: string }>(server, ann, 'GET', `/sync?since=${encodeURIComponent(since)}`);
        expect(status, since).toBe(400);
        expect(['invalid_sync_token', 'validation_failed']).toContain(body.code);
      }
      for (const limit of ['0', '1001', 'Infinity', '-5', 'x']) expect((await call(server, ann, 'GET', `/sync?since=0&limit=${limit}`)).status, limit).toBe(400);
      expect((await call(server, ann, 'GET', '/sync?since=0&since=1')).status).toBe(400);
      const ahead = await call<{ code: string }>(server, ann, 'GET', `/sync?since=${Number(await nowToken(server, ann)) + 1000}`);
      expect(ahead.status).toBe(410);
      expect(ahead.body.code).toBe('resync_required');
      expect((await server.request('/api/v1/sync?since=0')).status).toBe(401);

      // The socket closes before `ready`: 4400 for a malformed token, 4410 for one it cannot replay from.
      const bad = await TestSocket.open(server, { token: ann.token, query: 'since=abc' });
      expect(await bad.closed).toEqual({ code: 4400, reason: 'invalid_sync_token' });
      const repeated = await TestSocket.open(server, { token: ann.token, query: 'since=1&since=2' });
      expect((await repeated.closed).code).toBe(4400);
      const future = await TestSocket.open(server, { token: ann.token, query: 'since=999999999' });
      expect(await future.closed).toEqual({ code: 4410, reason: 'resync_required' });
      expect(bad.frames).toEqual([]);
    });

    it('sends a client too far behind to GET /sync: 4413 when more than 1,000 events were missed', async () => {
      const ann = await person(server);
      const bob = await person(server);
      const chat = await group(server, ann, [bob]);
      const since = await nowToken(server, bob);
      for (let i = 0; i < 1001; i += 50) await Promise.all(Array.from({ length: Math.min(50, 1001 - i) }, (_, j) => send(server, ann, chat.id, `m${i + j}`)));
      const socket = await TestSocket.open(server, { token: bob.token, query: `since=${since}` });
      expect(await socket.closed).toEqual({ code: 4413, reason: 'sync_backlog_too_large' });
      const { events, pages } = await syncAll(server, bob, since, 1000);
      expect(events.filter((e) => e.type === 'message.created')).toHaveLength(1001);
      expect(pages).toBe(2);
    }, 60_000);
  });

  it('answers 410 resync_required for a token older than SYNC_RETENTION_DAYS once housekeeping pruned it, and keeps newer ones', async () => {
    const { TestClock } = await import('../helpers/server.js');
    const clock = new TestClock();
    const server = await startTestServer({ clock, env: { SYNC_RETENTION_DAYS: '2' } });
    try {
      const ann = await person(server);
      const bob = await person(server);
      const chat = await group(server, ann, [bob]);
      const old = await nowToken(server, bob);
      await send(server, ann, chat.id, 'three days ago');
      clock.advance(3 * 86_400_000);
      const recent = await nowToken(server, bob);
      await send(server, ann, chat.id, 'today');
      expect((await syncAll(server, bob, old)).events.filter((e) => e.type === 'message.created')).toHaveLength(2);

      await server.app.housekeeping.runOnce();
      const expired = await call<{ code: string; detail: string }>(server, bob, 'GET', `/sync?since=${old}`);
      expect(expired.status).toBe(410);
      expect(expired.body.code).toBe('resync_required');
      const socket = await TestSocket.open(server, { token: bob.token, query: `since=${old}` });
      expect((await socket.closed).code).toBe(4410);
      const kept = (await syncAll(server, bob, recent)).events;
      expect(kept.map((e) => (e.message as MessageJson | undefined)?.text)).toEqual(['today']);
    } finally {
      await server.close();
    }
  });

  it('with SYNC_ENABLED=false, records nothing: frames carry no syncToken and /sync answers 404 sync_disabled', async () => {
    const server = await startTestServer({ env: { SYNC_ENABLED: 'false' } });
    try {
      const ann = await person(server);
      const bob = await person(server);
      const chat = await group(server, ann, [bob]);
      const socket = await TestSocket.open(server, { token: bob.token });
      await send(server, ann, chat.id, 'hi');
      const created = await socket.next((f) => f.type === 'message.created');
      expect(created).not.toHaveProperty('syncToken');
      expect(socket.frames[0]).not.toHaveProperty('syncToken');
      const { status, body } = await call<{ code: string }>(server, bob, 'GET', '/sync?since=0');
      expect([status, body.code]).toEqual([404, 'sync_disabled']);
      await socket.close();
    } finally {
      await server.close();
    }
  });

  // Two real server processes on one PostgreSQL and one Redis: CI's second pass.
  describe.runIf(usesPostgres && usesRedis)('across two nodes', () => {
    let environment: TestEnvironment;
    const nodes: ServerProcess[] = [];

    beforeAll(async () => {
      environment = await createTestEnvironment({ REDIS_KEY_PREFIX: `sync-${randomBytes(4).toString('hex')}:`, AUTH_SECRET: randomBytes(32).toString('hex') });
      nodes.push(await startServerProcess('src/main.ts', environment.env), await startServerProcess('src/main.ts', environment.env));
    }, 60_000);

    afterAll(async () => {
      for (const node of nodes) {
        if (node.child.exitCode === null) {
          node.child.kill('SIGTERM');
          await node.exited;
        }
      }
      await environment?.cleanup();
    });

    it('gives a client that was offline every change made on either node once, in order, ending at the state GET shows', async () => {
      await offlineScenario(asTestServer(nodes[0]!), asTestServer(nodes[1]!));
    }, 90_000);
  });
});
