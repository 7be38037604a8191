import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import WebSocket from 'ws';
import { RealtimeError, memorySyncTokenStore, webStorageSyncTokenStore, type MessengerClient, type RealtimeClient, type StoredSession } from '../../sdk/src/index.js';
import { bearer, login } from '../helpers/accounts.js';
import { call, group, person, type MessageJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { Network, countingFetch, expiredAccessToken, recordingRealtime, sdk } from './helpers.js';

const AUTH_SECRET = randomBytes(32).toString('hex');
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { AUTH_SECRET } });
});
afterAll(() => server?.close());

const open: RealtimeClient[] = [];
afterEach(() => {
  for (const realtime of open.splice(0)) realtime.close();
});

async function signedIn(who: Person, options: Parameters<typeof sdk>[1] = {}): Promise<MessengerClient> {
  const client = sdk(server, options);
  expect((await client.login({ login: who.username, password: who.password })).status).toBe('signedIn');
  return client;
}

function track<T extends { realtime: RealtimeClient }>(value: T): T {
  open.push(value.realtime);
  return value;
}

const edit = (who: Person, chatId: number, id: number, text: string) => call(server, who, 'PATCH', `/chats/${chatId}/messages/${id}`, { text });
const remove = (who: Person, chatId: number, id: number) => call(server, who, 'DELETE', `/chats/${chatId}/messages/${id}`);
const sendRest = async (who: Person, chatId: number, text: string) => (await call<MessageJson>(server, who, 'POST', `/chats/${chatId}/messages`, { text })).body;

describe('the realtime client', () => {
  it('hands out typed events, sends with an acknowledgement, and rejects a refused send', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const client = await signedIn(bob);
    const { realtime, events } = track(recordingRealtime(client, { WebSocket }));
    const texts: Array<string | null> = [];
    realtime.on('message.created', (frame, meta) => {
      expectTypeOf(frame.message.seq).toBeNumber();
      expectTypeOf(frame.syncToken).toEqualTypeOf<string | undefined>();
      expect(meta.replayed).toBe(false);
      texts.push(frame.message.text);
    });
    realtime.on('message.deleted', (frame) => expectTypeOf(frame.messageId).toBeNumber());
    realtime.on('presence', (frame) => expectTypeOf(frame.online).toBeBoolean());
    await realtime.connect();
    expect(realtime.status).toBe('live');
    expect(realtime.syncToken).toMatch(/^\d+$/);

    await sendRest(ann, chat.id, 'hello bob');
    await waitUntil(() => texts.includes('hello bob'), 'the message to arrive');
    const ack = await realtime.send(chat.id, 'hello ann');
    expect(ack).toMatchObject({ type: 'message.ack', chatId: chat.id, seq: 2, id: expect.any(Number) as unknown });
    await waitUntil(() => texts.includes('hello ann'), 'my own message to come back as an event');

    const refused = await realtime.send(999_999, 'nowhere').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RealtimeError);
    expect(refused).toMatchObject({ code: 'chat_not_found' });

    await sendRest(ann, chat.id, 'read this');
    await waitUntil(() => texts.includes('read this'), 'the third message');
    expect(realtime.typing(chat.id)).toBe(true);
    realtime.read(chat.id, 3);
    await waitUntil(() => events.some((e) => e.type === 'read.updated' && e.lastReadSeq === 3), 'the read marker to move');
    expect(events.map((e) => e.type)).toEqual(['message.created', 'message.created', 'message.created', 'read.updated']);
  });

  it('after a dropped connection, reconnects from its token: every missed send, edit and delete seen once, in order', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const network = new Network();
    const client = await signedIn(bob);
    const { realtime, events } = track(recordingRealtime(client, { WebSocket: network.WebSocket }));
    await realtime.connect();
    const m1 = await sendRest(ann, chat.id, 'one');
    await waitUntil(() => events.length === 1, 'the first message');
    const tokenBefore = realtime.syncToken!;

    network.drop();
    await waitUntil(() => realtime.status !== 'live', 'the client to notice');
    const m2 = await sendRest(ann, chat.id, 'two');
    await edit(ann, chat.id, m1.id, 'one, edited');
    await remove(ann, chat.id, m2.id);
    const m3 = await sendRest(ann, chat.id, 'three');
    await edit(ann, chat.id, m3.id, 'three, edited');
    await edit(ann, chat.id, m3.id, 'three, edited again');
    await call(server, ann, 'PATCH', `/chats/${chat.id}`, { name: 'Renamed' });
    // Nothing reached the client while it was away.
    expect(events).toHaveLength(1);

    network.restore();
    await waitUntil(() => realtime.status === 'live', 'the client to reconnect and catch up', 10_000);
    expect(network.urls.at(-1)).toContain(`since=${tokenBefore}`);
    const m4 = await sendRest(ann, chat.id, 'four');
    await waitUntil(() => events.some((e) => e.type === 'message.created' && e.message.id === m4.id), 'a live message after the catch-up');

    const seen = events.map((e) => {
      switch (e.type) {
        case 'message.created':
        case 'message.updated':
          return `${e.type} ${e.message.text} ${e.replayed ? 'replayed' : 'live'}`;
        case 'message.deleted':
          return `${e.type} ${e.messageId === m2.id ? 'two' : e.messageId} ${e.replayed ? 'replayed' : 'live'}`;
        case 'chat.updated':
          return `${e.type} ${e.chat.name} ${e.replayed ? 'replayed' : 'live'}`;
        default:
          return e.type;
      }
    });
    expect(seen).toEqual([
      'message.created one live',
      'message.created two replayed',
      'message.updated one, edited replayed',
      'message.deleted two replayed',
      'message.created three replayed',
      'message.updated three, edited replayed',
      'message.updated three, edited again replayed',
      'chat.updated Renamed replayed',
      'message.created four live',
    ]);
    const tokens = events.map((e) => BigInt((e as { syncToken?: string }).syncToken!));
    expect(tokens.every((t, i) => i === 0 || t > tokens[i - 1]!)).toBe(true);
    expect(realtime.syncToken).toBe(String(tokens.at(-1)));
  });

  it('resumes from the stored token after a restart: a new client on the same store sees what happened while the app was closed', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const storage = new Map<string, string>();
    const store = webStorageSyncTokenStore({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) });
    const first = track(recordingRealtime(await signedIn(bob), { WebSocket, syncTokenStore: store }));
    await first.realtime.connect();
    const m1 = await sendRest(ann, chat.id, 'before the restart');
    await waitUntil(() => first.events.length === 1, 'the first message');
    first.realtime.close();
    await waitUntil(() => storage.get('messenger.syncToken') === first.realtime.syncToken, 'the token to be stored');

    await edit(ann, chat.id, m1.id, 'edited while closed');
    await sendRest(ann, chat.id, 'sent while closed');
    const second = track(recordingRealtime(await signedIn(bob), { WebSocket, syncTokenStore: store }));
    await second.realtime.connect();
    expect(second.events.map((e) => [e.type, e.type === 'message.created' || e.type === 'message.updated' ? e.message.text : null, e.replayed])).toEqual([
      ['message.updated', 'edited while closed', true],
      ['message.created', 'sent while closed', true],
    ]);
  });

  it('queues sends made while offline and delivers each once, in order, after the reconnect', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const network = new Network();
    const client = await signedIn(bob);
    const { realtime } = track(recordingRealtime(client, { WebSocket: network.WebSocket }));
    await realtime.connect();

    // Sent, and the connection cut at once: whether or not the server got it, it is stored once.
    const inFlight = realtime.send(chat.id, 'in flight');
    network.drop();
    await waitUntil(() => realtime.status !== 'live', 'the client to notice');
    const queued = ['first', 'second', 'third'].map((text) => realtime.send(chat.id, text));
    realtime.read(chat.id, 1);
    expect(realtime.queued).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(realtime.queued).toBe(4);

    network.restore();
    const acks = await Promise.all([inFlight, ...queued]);
    expect(acks.map((a) => a.seq)).toEqual([1, 2, 3, 4]);
    expect(realtime.queued).toBe(0);
    const history = await call<{ items: MessageJson[] }>(server, ann, 'GET', `/chats/${chat.id}/messages?after=0&limit=50`);
    expect(history.body.items.map((m) => m.text)).toEqual(['in flight', 'first', 'second', 'third']);
    expect(history.body.items.map((m) => m.clientId)).toEqual(acks.map((a) => a.clientId));
  });

  it('on 4410 (a token it cannot replay from) emits resync, then carries on from a fresh token', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const client = await signedIn(bob);
    const store = memorySyncTokenStore('999999999');
    const { realtime, events } = track(recordingRealtime(client, { WebSocket, syncTokenStore: store }));
    const resyncs: Array<{ reason: string; syncToken: string }> = [];
    let reloaded = false;
    realtime.on('resync', async (info) => {
      resyncs.push(info);
      // The app reloads its chats here; the client reconnects once this settles.
      const chats = await client.unwrap(client.api.GET('/api/v1/chats'));
      reloaded = chats.items.some((c) => c.id === chat.id);
    });
    await realtime.connect();
    expect(resyncs).toEqual([{ reason: 'resync_required', syncToken: expect.stringMatching(/^\d+$/) as unknown }]);
    expect(reloaded).toBe(true);
    expect(await store.load()).not.toBe('999999999');

    await sendRest(ann, chat.id, 'after the resync');
    await waitUntil(() => events.length === 1, 'the next event');
    expect(events[0]).toMatchObject({ type: 'message.created', message: { text: 'after the resync' } });
  });

  it('on 4413 (too much missed for the socket) catches up over GET /sync, then reconnects from its nextToken', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const chat = await group(server, ann, [bob]);
    const network = new Network();
    const counted = countingFetch();
    const client = await signedIn(bob, { fetch: counted.fetch });
    const { realtime, events } = track(recordingRealtime(client, { WebSocket: network.WebSocket }));
    await realtime.connect();
    network.drop();
    await waitUntil(() => realtime.status !== 'live', 'the client to notice');
    for (let i = 0; i < 1001; i += 50) await Promise.all(Array.from({ length: Math.min(50, 1001 - i) }, (_, j) => sendRest(ann, chat.id, `m${i + j}`)));
    const disconnects: number[] = [];
    realtime.on('disconnected', ({ code }) => disconnects.push(code));
    network.restore();
    await waitUntil(() => realtime.status === 'live', 'the catch-up', 30_000);
    expect(disconnects).toContain(4413);
    expect(counted.count('GET /api/v1/sync')).toBeGreaterThanOrEqual(2);
    expect(events).toHaveLength(1001);
    expect(events.every((e) => e.type === 'message.created' && e.replayed)).toBe(true);
    expect(new Set(events.map((e) => (e.type === 'message.created' ? e.message.seq : 0))).size).toBe(1001);
  }, 90_000);

  it('on 4401 refreshes the access token and reconnects; when the session ended, signs out', async () => {
    const bob = await person(server);
    const counted = countingFetch();
    const client = await signedIn(bob, { fetch: counted.fetch });
    const session = (await client.session.session()) as Extract<StoredSession, { mode: 'tokens' }>;
    await client.useSession({ ...session, accessToken: expiredAccessToken(AUTH_SECRET, bob.id, session.sessionId) });
    const { realtime } = track(recordingRealtime(client, { WebSocket }));
    await realtime.connect();
    expect(counted.count('POST /api/v1/auth/refresh')).toBe(1);

    const other = await signedIn(bob);
    const { realtime: second } = track(recordingRealtime(other, { WebSocket }));
    await second.connect();
    const signedOut: string[] = [];
    second.on('signedOut', ({ code }) => signedOut.push(code));
    const ended: string[] = [];
    other.on('sessionEnded', ({ code }) => ended.push(code));
    const { accessToken } = await login(server, bob);
    expect((await server.request('/api/v1/auth/logout-all', { method: 'POST', headers: bearer(accessToken) })).status).toBe(200);
    await waitUntil(() => second.status === 'stopped', 'the client to give up');
    expect(signedOut).toHaveLength(1);
    expect(ended).toHaveLength(1);
    expect(await other.isSignedIn()).toBe(false);
    await expect(second.send(1, 'too late')).rejects.toThrow(/session ended/);
    // The first client's session was ended too: it gave up the same way.
    await waitUntil(() => realtime.status === 'stopped', 'the first client to give up');
  });
});
