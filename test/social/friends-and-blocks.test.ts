import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problem } from '../helpers/accounts.js';
import { call, direct, group, person, send, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

interface Contact {
  id: number;
  username: string;
  isOnline: boolean;
  since: string;
}
interface Page {
  items: Contact[];
  nextCursor: string | null;
}

const status = async (who: Person, other: Person) => (await call<{ status: string }>(server, who, 'GET', `/friends/${other.id}`)).body.status;
const befriend = (who: Person, other: Person) => call<{ status: string }>(server, who, 'PUT', `/friends/${other.id}`);

describe('friends', () => {
  it('sends a request, accepts it from the other side, and tells both people over the WebSocket', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const annSocket = await TestSocket.open(server, { token: ann.token });
    const bobSocket = await TestSocket.open(server, { token: bob.token });
    try {
      expect(await befriend(ann, bob)).toEqual({ status: 200, body: { status: 'outgoing' } });
      expect(await befriend(ann, bob)).toEqual({ status: 200, body: { status: 'outgoing' } });
      expect(await status(ann, bob)).toBe('outgoing');
      expect(await status(bob, ann)).toBe('incoming');
      const outgoing = await annSocket.next((f) => f.type === 'friend.request', 'friend.request');
      expect(outgoing).toMatchObject({ direction: 'outgoing', user: { id: bob.id, username: bob.username, isOnline: true } });
      const incoming = await bobSocket.next((f) => f.type === 'friend.request', 'friend.request');
      expect(incoming).toMatchObject({ direction: 'incoming', user: { id: ann.id } });
      expect(JSON.stringify(incoming)).not.toContain(ann.email);
      expect(annSocket.ofType('friend.request')).toHaveLength(1);

      expect((await call<Page>(server, bob, 'GET', '/friends/requests?direction=incoming')).body.items.map((c) => c.id)).toEqual([ann.id]);
      expect((await call<Page>(server, ann, 'GET', '/friends/requests?direction=outgoing')).body.items.map((c) => c.id)).toEqual([bob.id]);

      expect((await befriend(bob, ann)).body.status).toBe('friends');
      await annSocket.next((f) => f.type === 'friend.added' && (f.user as { id: number }).id === bob.id, 'friend.added');
      await bobSocket.next((f) => f.type === 'friend.added' && (f.user as { id: number }).id === ann.id, 'friend.added');
      expect(await status(ann, bob)).toBe('friends');
      const friends = (await call<Page>(server, ann, 'GET', '/friends')).body;
      expect(friends.items).toMatchObject([{ id: bob.id, isOnline: true }]);
      expect((await call<Page>(server, bob, 'GET', '/friends/requests')).body.items).toEqual([]);

      // A friend hears presence.
      await bobSocket.close();
      expect(await annSocket.next((f) => f.type === 'presence' && f.userId === bob.id && f.online === false, 'presence')).toMatchObject({
        lastSeenAt: expect.any(String) as unknown,
      });

      expect((await call(server, ann, 'DELETE', `/friends/${bob.id}`)).status).toBe(204);
      await annSocket.next((f) => f.type === 'friend.removed' && f.userId === bob.id, 'friend.removed');
      expect(await status(ann, bob)).toBe('none');
      expect((await call(server, ann, 'DELETE', `/friends/${bob.id}`)).status).toBe(404);
    } finally {
      await annSocket.close();
      await bobSocket.close();
    }
  });

  it('declines and cancels requests', async () => {
    const ann = await person(server);
    const bob = await person(server);
    await befriend(ann, bob);
    expect((await call(server, bob, 'DELETE', `/friends/${ann.id}`)).status).toBe(204);
    expect(await status(ann, bob)).toBe('none');
    await befriend(ann, bob);
    expect((await call(server, ann, 'DELETE', `/friends/${bob.id}`)).status).toBe(204);
    expect(await status(bob, ann)).toBe('none');
  });

  it('pages through friends by username', async () => {
    const me = await person(server);
    const others: Person[] = [];
    for (let i = 0; i < 5; i++) {
      const other = await person(server);
      await befriend(me, other);
      await befriend(other, me);
      others.push(other);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Page } = await call<Page>(server, me, 'GET', `/friends?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.body.items.map((c) => c.username));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(others.map((o) => o.username).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
  });

  it('befriends at once with FRIENDS_AUTO_ACCEPT', async () => {
    const auto = await startTestServer({ env: { FRIENDS_AUTO_ACCEPT: 'true' } });
    try {
      const ann = await person(auto);
      const bob = await person(auto);
      expect((await call<{ status: string }>(auto, ann, 'PUT', `/friends/${bob.id}`)).body.status).toBe('friends');
      expect((await call<{ status: string }>(auto, bob, 'GET', `/friends/${ann.id}`)).body.status).toBe('friends');
    } finally {
      await auto.close();
    }
  });

  it('refuses myself, unknown users, malformed ids and missing credentials', async () => {
    const ann = await person(server);
    const self = await server.request(`/api/v1/friends/${ann.id}`, { method: 'PUT', headers: { authorization: `Bearer ${ann.token}` } });
    expect(self.status).toBe(400);
    expect((await problem(self)).code).toBe('self');
    expect((await call(server, ann, 'PUT', '/friends/999999999')).status).toBe(404);
    expect((await call(server, ann, 'PUT', '/friends/abc')).status).toBe(400);
    expect((await call(server, ann, 'GET', '/friends/requests?direction=sideways')).status).toBe(400);
    expect((await call(server, ann, 'GET', '/friends?cursor=garbage')).status).toBe(400);
    expect((await server.request(`/api/v1/friends/${ann.id}`, { method: 'PUT' })).status).toBe(401);
    expect((await call<Page>(server, ann, 'GET', '/friends/requests?direction=outgoing')).body.items).toEqual([]);
  });
});

describe('blocks', () => {
  it('ends friendship and requests, and stops requests, direct chats and direct messages both ways', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const cai = await person(server);
    await befriend(ann, bob);
    await befriend(bob, ann);
    const chat = await direct(server, ann, bob);
    const team = await group(server, ann, [bob, cai]);
    const bobSocket = await TestSocket.open(server, { token: bob.token });
    try {
      expect((await call(server, ann, 'PUT', `/blocks/${bob.id}`)).status).toBe(204);
      await bobSocket.next((f) => f.type === 'friend.removed' && f.userId === ann.id, 'friend.removed');
    } finally {
      await bobSocket.close();
    }
    expect(await status(ann, bob)).toBe('blocked');
    expect(await status(bob, ann)).toBe('blocked');
    expect((await call<Page>(server, ann, 'GET', '/friends')).body.items).toEqual([]);

    const request = await befriend(bob, ann);
    expect(request.status).toBe(403);
    expect((request.body as unknown as { code: string }).code).toBe('blocked');
    for (const [from, to] of [
      [bob, ann],
      [ann, bob],
    ] as const) {
      expect((await call(server, from, 'POST', '/chats', { type: 'direct', memberIds: [to.id] })).status).toBe(403);
      const sent = await call<{ code: string }>(server, from, 'POST', `/chats/${chat.id}/messages`, { text: 'hello?' });
      expect(sent.status).toBe(403);
      expect(sent.body.code).toBe('blocked');
    }
    // Groups are not affected.
    await send(server, bob, team.id, 'still here');

    const blocked = (await call<Page>(server, ann, 'GET', '/blocks')).body;
    expect(blocked.items.map((c) => c.id)).toEqual([bob.id]);

    expect((await call(server, ann, 'PUT', `/blocks/${bob.id}`)).status).toBe(409);
    expect((await call(server, ann, 'DELETE', `/blocks/${bob.id}`)).status).toBe(204);
    expect((await call(server, ann, 'DELETE', `/blocks/${bob.id}`)).status).toBe(404);
    // The old friendship does not come back, but a new request may be sent.
    expect(await status(ann, bob)).toBe('none');
    expect((await befriend(bob, ann)).body.status).toBe('outgoing');
    await send(server, bob, chat.id, 'hi again');
  });

  it('refuses blocking myself, unknown users and malformed ids; lists newest first with pages', async () => {
    const ann = await person(server);
    expect((await call(server, ann, 'PUT', `/blocks/${ann.id}`)).status).toBe(400);
    expect((await call(server, ann, 'PUT', '/blocks/999999999')).status).toBe(404);
    expect((await call(server, ann, 'DELETE', '/blocks/x')).status).toBe(400);
    const others = [await person(server), await person(server), await person(server)];
    for (const other of others) {
      expect((await call(server, ann, 'PUT', `/blocks/${other.id}`)).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const first = (await call<Page>(server, ann, 'GET', '/blocks?limit=2')).body;
    const second = (await call<Page>(server, ann, 'GET', `/blocks?limit=2&cursor=${first.nextCursor}`)).body;
    expect([...first.items, ...second.items].map((c) => c.id)).toEqual(others.map((o) => o.id).reverse());
    expect(second.nextCursor).toBeNull();
  });
});
