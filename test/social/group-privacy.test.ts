import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { befriend, call, group, person, type ChatJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

type Problem = { code: string; errors?: Array<{ field: string; message: string }> };
const groupAdds = async (who: Person) => (await call<{ groupAdds: string }>(server, who, 'GET', '/users/me')).body.groupAdds;

describe('who may add me to a group', () => {
  it('is everyone by default, readable and settable on my profile', async () => {
    const dora = await person(server);
    expect(await groupAdds(dora)).toBe('everyone');
    const set = await call<{ groupAdds: string; username: string }>(server, dora, 'PATCH', '/users/me', { groupAdds: 'friends' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ groupAdds: 'friends', username: dora.username });
    expect(await groupAdds(dora)).toBe('friends');
    // Other edits leave it as it is.
    expect((await call<{ groupAdds: string }>(server, dora, 'PATCH', '/users/me', { bio: 'Hi' })).body.groupAdds).toBe('friends');
    expect((await call(server, dora, 'PATCH', '/users/me', { groupAdds: 'everyone' })).status).toBe(200);
    expect(await groupAdds(dora)).toBe('everyone');
  });

  it('refuses values it does not know', async () => {
    const dora = await person(server);
    for (const value of ['nobody', '', 42, null, ['friends']]) {
      const res = await call<Problem>(server, dora, 'PATCH', '/users/me', { groupAdds: value });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.body.errors?.[0]?.field).toBe('groupAdds');
    }
    expect(await groupAdds(dora)).toBe('everyone');
  });

  it('with "friends", lets only friends create a group with me or add me to one', async () => {
    const [dora, eve, fay] = [await person(server), await person(server), await person(server)];
    expect((await call(server, dora, 'PATCH', '/users/me', { groupAdds: 'friends' })).status).toBe(200);

    const created = await call<Problem>(server, eve, 'POST', '/chats', { type: 'group', name: 'Strangers', memberIds: [fay.id, dora.id] });
    expect(created.status).toBe(403);
    expect(created.body.code).toBe('group_add_not_allowed');
    expect(created.body.errors).toEqual([{ field: 'memberIds', message: expect.stringContaining(String(dora.id)) as unknown }]);

    const eves = await group(server, eve, [fay]);
    const added = await call<Problem>(server, eve, 'POST', `/chats/${eves.id}/members`, { userIds: [dora.id] });
    expect(added.status).toBe(403);
    expect(added.body.code).toBe('group_add_not_allowed');
    expect(added.body.errors).toEqual([{ field: 'userIds', message: expect.stringContaining(String(dora.id)) as unknown }]);
    expect((await call(server, dora, 'GET', `/chats/${eves.id}`)).status).toBe(404);

    // A pending request is not a friendship.
    await call(server, eve, 'PUT', `/friends/${dora.id}`);
    expect((await call(server, eve, 'POST', `/chats/${eves.id}/members`, { userIds: [dora.id] })).status).toBe(403);

    await befriend(server, dora, eve);
    expect((await call<ChatJson>(server, eve, 'POST', `/chats/${eves.id}/members`, { userIds: [dora.id] })).body.memberCount).toBe(3);
    expect((await call(server, eve, 'POST', '/chats', { type: 'group', name: 'Friends', memberIds: [dora.id] })).status).toBe(201);
    // Direct chats are not groups: anyone not blocked may still open one.
    expect((await call(server, fay, 'POST', '/chats', { type: 'direct', memberIds: [dora.id] })).status).toBe(201);
  });

  it('never lets someone blocked add me, even with "everyone"', async () => {
    const [gus, hal] = [await person(server), await person(server)];
    expect(await groupAdds(gus)).toBe('everyone');
    expect((await call(server, gus, 'PUT', `/blocks/${hal.id}`)).status).toBe(204);
    const res = await call<Problem>(server, hal, 'POST', '/chats', { type: 'group', name: 'Hal’s', memberIds: [gus.id] });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('blocked');
  });

  it('is described in the API document', async () => {
    const doc = (await (await server.request('/openapi.json')).json()) as Record<string, unknown>;
    const text = JSON.stringify(doc);
    expect(text).toContain('groupAdds');
    expect(text).toContain('group_add_not_allowed');
  });
});
