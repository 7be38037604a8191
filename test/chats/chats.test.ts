import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, direct, group, person, send, type ChatJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { MAX_GROUP_MEMBERS: '5' } });
});
afterAll(() => server?.close());

describe('direct chats', () => {
  it('creates one per pair: 201 the first time, 200 with the same chat after, from either side', async () => {
    const ann = await person(server);
    const ben = await person(server);
    const first = await call<ChatJson>(server, ann, 'POST', '/chats', { type: 'direct', memberIds: [ben.id] });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ type: 'direct', name: null, memberCount: 2, unreadCount: 0, lastMessage: null });
    expect(first.body.members.map((m) => m.id).sort()).toEqual([ann.id, ben.id].sort());
    const again = await call<ChatJson>(server, ann, 'POST', '/chats', { type: 'direct', memberIds: [ben.id] });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const reverse = await call<ChatJson>(server, ben, 'POST', '/chats', { type: 'direct', memberIds: [ann.id] });
    expect(reverse.body.id).toBe(first.body.id);
  });

  it('gives one chat when both open it at the same time', async () => {
    const ann = await person(server);
    const ben = await person(server);
    const results = await Promise.all([
      call<ChatJson>(server, ann, 'POST', '/chats', { type: 'direct', memberIds: [ben.id] }),
      call<ChatJson>(server, ben, 'POST', '/chats', { type: 'direct', memberIds: [ann.id] }),
    ]);
    expect(results[0].body.id).toBe(results[1].body.id);
    expect(results.map((r) => r.status).sort()).toEqual([200, 201]);
  });

  it('refuses a chat with oneself, with an unknown user, and malformed requests', async () => {
    const ann = await person(server);
    expect((await call(server, ann, 'POST', '/chats', { type: 'direct', memberIds: [ann.id] })).status).toBe(400);
    expect((await call(server, ann, 'POST', '/chats', { type: 'direct', memberIds: [99_999_999] })).status).toBe(404);
    for (const json of [{}, { type: 'direct' }, { type: 'direct', memberIds: [] }, { type: 'direct', memberIds: [1, 2] }, { type: 'secret', memberIds: [1] }, { type: 'direct', memberIds: ['1x'] }]) {
      expect((await call(server, ann, 'POST', '/chats', json)).status, JSON.stringify(json)).toBe(400);
    }
    expect((await call<{ items: unknown[] }>(server, ann, 'GET', '/chats')).body.items).toEqual([]);
  });
});

describe('groups', () => {
  it('makes the creator owner and everyone named a member', async () => {
    const [owner, a, b] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, owner, [a, b], 'Climbing');
    expect(chat).toMatchObject({ type: 'group', name: 'Climbing', memberCount: 3, myRole: 'owner' });
    expect(chat.members.find((m) => m.id === a.id)?.role).toBe('member');
    const seenByA = await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`);
    expect(seenByA.body.myRole).toBe('member');
  });

  it('refuses names that are empty, too long or carry control characters, and too many members', async () => {
    const owner = await person(server);
    const others = await Promise.all([1, 2, 3, 4, 5].map(() => person(server)));
    for (const name of ['', '   ', 'x'.repeat(101), 'a\u0007b']) {
      expect((await call(server, owner, 'POST', '/chats', { type: 'group', name, memberIds: [] })).status, JSON.stringify(name)).toBe(400);
    }
    const tooMany = await call<{ code: string }>(server, owner, 'POST', '/chats', { type: 'group', name: 'Big', memberIds: others.map((o) => o.id) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.code).toBe('too_many_members');
    expect((await call(server, owner, 'POST', '/chats', { type: 'group', name: 'Ghosts', memberIds: [99_999_998] })).status).toBe(400);
  });

  it('lets admins add, remove and rename, members only leave, and the owner hand over and delete', async () => {
    const [owner, admin, member, newcomer] = [await person(server), await person(server), await person(server), await person(server)];
    const chat = await group(server, owner, [admin, member]);
    expect((await call(server, member, 'PATCH', `/chats/${chat.id}/members/${admin.id}`, { role: 'admin' })).status).toBe(403);
    expect((await call(server, owner, 'PATCH', `/chats/${chat.id}/members/${admin.id}`, { role: 'admin' })).status).toBe(200);

    expect((await call(server, member, 'POST', `/chats/${chat.id}/members`, { userIds: [newcomer.id] })).status).toBe(403);
    const added = await call<ChatJson>(server, admin, 'POST', `/chats/${chat.id}/members`, { userIds: [newcomer.id] });
    expect(added.status).toBe(200);
    expect(added.body.memberCount).toBe(4);

    expect((await call(server, member, 'PATCH', `/chats/${chat.id}`, { name: 'Mine now' })).status).toBe(403);
    expect((await call<ChatJson>(server, admin, 'PATCH', `/chats/${chat.id}`, { name: 'Renamed' })).body.name).toBe('Renamed');

    expect((await call(server, member, 'DELETE', `/chats/${chat.id}/members/${newcomer.id}`)).status).toBe(403);
    expect((await call(server, admin, 'DELETE', `/chats/${chat.id}/members/${owner.id}`)).status).toBe(403);
    expect((await call(server, admin, 'DELETE', `/chats/${chat.id}/members/${newcomer.id}`)).status).toBe(204);
    expect((await call(server, newcomer, 'GET', `/chats/${chat.id}`)).status).toBe(404);

    expect((await call(server, member, 'DELETE', `/chats/${chat.id}/members/${member.id}`)).status).toBe(204);
    expect((await call(server, member, 'GET', `/chats/${chat.id}`)).status).toBe(404);

    expect((await call(server, owner, 'DELETE', `/chats/${chat.id}/members/${owner.id}`)).status).toBe(403);
    expect((await call(server, admin, 'DELETE', `/chats/${chat.id}`)).status).toBe(403);
    const handed = await call<ChatJson>(server, owner, 'PATCH', `/chats/${chat.id}`, { ownerId: admin.id });
    expect(handed.body.myRole).toBe('admin');
    expect((await call(server, owner, 'DELETE', `/chats/${chat.id}/members/${owner.id}`)).status).toBe(204);
    expect((await call(server, admin, 'DELETE', `/chats/${chat.id}`)).status).toBe(204);
    expect((await call(server, admin, 'GET', `/chats/${chat.id}`)).status).toBe(404);
  });

  it('does not allow leaving or removing people from a direct chat', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    expect((await call(server, a, 'DELETE', `/chats/${chat.id}/members/${a.id}`)).status).toBe(403);
    expect((await call(server, a, 'POST', `/chats/${chat.id}/members`, { userIds: [a.id] })).status).toBe(403);
  });
});

describe('a chat is visible only to its members', () => {
  it('answers 404 to a non-member on every chat and message endpoint', async () => {
    const [owner, member, outsider] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, owner, [member]);
    const message = await send(server, owner, chat.id, 'secret plans');
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/chats/${chat.id}`],
      ['PATCH', `/chats/${chat.id}`, { name: 'x' }],
      ['DELETE', `/chats/${chat.id}`],
      ['POST', `/chats/${chat.id}/members`, { userIds: [outsider.id] }],
      ['DELETE', `/chats/${chat.id}/members/${member.id}`],
      ['GET', `/chats/${chat.id}/messages`],
      ['POST', `/chats/${chat.id}/messages`, { text: 'hi' }],
      ['PATCH', `/chats/${chat.id}/messages/${message.id}`, { text: 'x' }],
      ['DELETE', `/chats/${chat.id}/messages/${message.id}`],
      ['PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent('👍')}`],
      ['POST', `/chats/${chat.id}/read`, { seq: 1 }],
    ];
    for (const [method, path, json] of attempts) {
      const res = await call<{ code: string }>(server, outsider, method, path, json);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const history = await call<{ items: Array<{ text: string }> }>(server, owner, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items.map((m) => m.text)).toEqual(['secret plans']);
    expect((await call<ChatJson>(server, owner, 'GET', `/chats/${chat.id}`)).body.memberCount).toBe(2);
  });
});

describe('GET /chats', () => {
  it('lists my chats, most recent activity first, with last message and unread count, and pages', async () => {
    const me = await person(server);
    const friends: Person[] = await Promise.all([1, 2, 3].map(() => person(server)));
    const chats = [];
    for (const f of friends) chats.push(await direct(server, me, f));
    await send(server, friends[0]!, chats[0]!.id, 'hello from the first');
    await send(server, friends[0]!, chats[0]!.id, 'and again');

    const page1 = await call<{ items: ChatJson[]; nextCursor: string | null }>(server, me, 'GET', '/chats?limit=2');
    expect(page1.body.items.map((c) => c.id)).toEqual([chats[0]!.id, chats[2]!.id]);
    expect(page1.body.items[0]).toMatchObject({ unreadCount: 2, lastSeq: 2, lastReadSeq: 0 });
    expect(page1.body.items[0]!.lastMessage).toMatchObject({ text: 'and again', seq: 2 });
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await call<{ items: ChatJson[]; nextCursor: string | null }>(server, me, 'GET', `/chats?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((c) => c.id)).toEqual([chats[1]!.id]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('searches group names and the other person’s username, without regard to case', async () => {
    const me = await person(server);
    const zed = await person(server, `Zed_${Date.now() % 100000}`);
    const other = await person(server);
    const dm = await direct(server, me, zed);
    const team = await group(server, me, [other], 'Weekend Hikers');
    await group(server, me, [other], 'Book club');
    const byGroup = await call<{ items: ChatJson[] }>(server, me, 'GET', '/chats?search=hIKers');
    expect(byGroup.body.items.map((c) => c.id)).toEqual([team.id]);
    const byName = await call<{ items: ChatJson[] }>(server, me, 'GET', `/chats?search=${zed.username.slice(0, 5).toLowerCase()}`);
    expect(byName.body.items.map((c) => c.id)).toEqual([dm.id]);
    const wildcard = await call<{ items: ChatJson[] }>(server, me, 'GET', '/chats?search=%25');
    expect(wildcard.body.items).toEqual([]);
  });

  it('refuses a forged cursor and bad limits', async () => {
    const me = await person(server);
    expect((await call(server, me, 'GET', '/chats?cursor=not-a-cursor')).status).toBe(400);
    expect((await call(server, me, 'GET', '/chats?limit=0')).status).toBe(400);
    expect((await call(server, me, 'GET', '/chats?limit=101')).status).toBe(400);
  });
});

describe('the OpenAPI document', () => {
  it('describes every chat and message endpoint with its errors', async () => {
    const doc = (await (await server.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const expected: Array<[string, string, string[]]> = [
      ['/api/v1/chats', 'post', ['200', '201', '400', '401', '403', '404']],
      ['/api/v1/chats', 'get', ['200', '400', '401']],
      ['/api/v1/chats/{id}', 'get', ['200', '401', '404']],
      ['/api/v1/chats/{id}', 'patch', ['200', '400', '403', '404']],
      ['/api/v1/chats/{id}', 'delete', ['204', '403', '404']],
      ['/api/v1/chats/{id}/members', 'post', ['200', '400', '403', '404']],
      ['/api/v1/chats/{id}/members/{userId}', 'delete', ['204', '403', '404']],
      ['/api/v1/chats/{id}/members/{userId}', 'patch', ['200', '403', '404']],
      ['/api/v1/chats/{id}/messages', 'get', ['200', '400', '404']],
      ['/api/v1/chats/{id}/messages', 'post', ['200', '201', '400', '403', '404']],
      ['/api/v1/chats/{id}/messages/{messageId}', 'patch', ['200', '400', '403', '404']],
      ['/api/v1/chats/{id}/messages/{messageId}', 'delete', ['204', '403', '404']],
      ['/api/v1/chats/{id}/messages/{messageId}/reactions/{emoji}', 'put', ['200', '400', '404']],
      ['/api/v1/chats/{id}/messages/{messageId}/reactions/{emoji}', 'delete', ['200', '400', '404']],
      ['/api/v1/chats/{id}/read', 'post', ['200', '400', '404']],
      ['/api/v1/uploads', 'post', ['201', '400', '401', '413', '415']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses), `${method} ${path}`).toEqual(expect.arrayContaining(statuses));
    }
  });
});
