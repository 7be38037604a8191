import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../helpers/accounts.js';
import { createTestEnvironment, usesPostgres, usesRedis, type TestEnvironment } from '../helpers/environment.js';
import { asTestServer, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { TestSocket } from '../helpers/ws.js';

// Two real server processes on one PostgreSQL and one Redis: CI's second pass.
describe.runIf(usesPostgres && usesRedis)('across nodes', () => {
  let environment: TestEnvironment;
  let nodeA: ServerProcess;
  let nodeB: ServerProcess;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment({ REDIS_KEY_PREFIX: `cross-${randomBytes(4).toString('hex')}:`, AUTH_SECRET: randomBytes(32).toString('hex') });
    nodeA = await startServerProcess('src/main.ts', environment.env);
    nodeB = await startServerProcess('src/main.ts', environment.env);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const node of [nodeA, nodeB]) {
      if (node && node.child.exitCode === null) {
        node.child.kill('SIGTERM');
        await node.exited;
      }
    }
    await environment?.cleanup();
  });

  async function account(node: ServerProcess) {
    const server = asTestServer(node);
    const username = uniqueName();
    expect((await server.request('/api/v1/auth/register', { method: 'POST', json: { username, email: `${username}@example.test`, password: PASSWORD } })).status).toBe(201);
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: username, password: PASSWORD } });
    const body = (await res.json()) as { accessToken: string; user: { id: number } };
    return { id: body.user.id, username, token: body.accessToken };
  }

  it('sees on every node, within a second, that someone came online or went offline on another (each node remembers presence)', async () => {
    const cat = await account(nodeA);
    const onNodeA = async () => {
      const res = await asTestServer(nodeA).request('/api/v1/users/me', { headers: { authorization: `Bearer ${cat.token}` } });
      return ((await res.json()) as { isOnline: boolean }).isOnline;
    };
    // Asked twice, so node A has the answer at hand when Cat connects elsewhere.
    expect(await onNodeA()).toBe(false);
    expect(await onNodeA()).toBe(false);
    const catSocket = await TestSocket.open(asTestServer(nodeB), { token: cat.token });
    await expect.poll(onNodeA, { timeout: 1000, interval: 50 }).toBe(true);
    await catSocket.close();
    await expect.poll(onNodeA, { timeout: 1000, interval: 50 }).toBe(false);
  });

  it('delivers messages, typing and presence between sockets on different nodes within a second, and survives a node stopping', async () => {
    const ann = await account(nodeA);
    const ben = await account(nodeB);
    const a = asTestServer(nodeA);
    const b = asTestServer(nodeB);
    const chatRes = await b.request('/api/v1/chats', { method: 'POST', json: { type: 'direct', memberIds: [ann.id] }, headers: { authorization: `Bearer ${ben.token}` } });
    const chat = (await chatRes.json()) as { id: number };

    const annSocket = await TestSocket.open(a, { token: ann.token });
    sockets.push(annSocket);
    const benSocket = await TestSocket.open(b, { token: ben.token });
    sockets.push(benSocket);

    expect(await annSocket.next((f) => f.type === 'presence' && f.userId === ben.id && f.online === true, 'presence from node B', 1000)).toBeDefined();

    const sentAt = Date.now();
    const sent = await b.request(`/api/v1/chats/${chat.id}/messages`, { method: 'POST', json: { text: 'from node B' }, headers: { authorization: `Bearer ${ben.token}` } });
    const created = await annSocket.next((f) => f.type === 'message.created', 'the message on node A', 1000);
    expect(Date.now() - sentAt).toBeLessThan(1000);
    // The event crossed Redis as a domain event and was rendered on node A: the same message as node B answered.
    expect(created.message).toEqual({ ...((await sent.json()) as object), reactions: [] });

    // A chat's members online travel with it (a Set in the service, an array on the bus).
    await b.request('/api/v1/chats', { method: 'POST', json: { type: 'group', name: 'Across', memberIds: [ann.id] }, headers: { authorization: `Bearer ${ben.token}` } });
    const group = await annSocket.next((f) => f.type === 'chat.created', 'the new group on node A', 1000);
    const members = (group.chat as { members: Array<{ id: number; online: boolean }> }).members;
    expect(members.find((m) => m.id === ben.id)?.online).toBe(true);
    expect(members.find((m) => m.id === ann.id)?.online).toBe(true);

    benSocket.send({ type: 'typing', chatId: chat.id });
    await annSocket.next((f) => f.type === 'typing' && f.userId === ben.id, 'typing from node B', 1000);

    annSocket.send({ type: 'message.send', chatId: chat.id, text: 'from node A', clientId: 'x-1' });
    await benSocket.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'from node A', 'the message on node B', 1000);

    // Node B goes away; Ann's socket on node A is untouched and keeps working.
    nodeB.child.kill('SIGTERM');
    expect((await benSocket.closed).code).toBe(1001);
    expect(await nodeB.exited).toBe(0);
    expect(annSocket.isOpen).toBe(true);
    const from = annSocket.frames.length;
    await a.request(`/api/v1/chats/${chat.id}/messages`, { method: 'POST', json: { text: 'still here' }, headers: { authorization: `Bearer ${ben.token}` } });
    await annSocket.next((f) => f.type === 'message.created' && (f.message as { text: string }).text === 'still here', 'a message after node B stopped', 1000, from);
  });
});
