import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { person } from '../helpers/chats.js';
import { createTestEnvironment, usesPostgres, type TestEnvironment } from '../helpers/environment.js';
import { asTestServer, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { waitUntil } from '../helpers/wait.js';

// What the person running the server reads in its log: the real entry point, its stdout.

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  responseTime?: number;
  userId?: number;
  code?: string;
  docs?: string;
  outbox?: string;
  database?: string;
}

const jsonLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

async function stop(node: ServerProcess | undefined): Promise<void> {
  if (node && node.child.exitCode === null) {
    node.child.kill('SIGTERM');
    await node.exited;
  }
}

describe('a server in development, logging JSON', () => {
  let environment: TestEnvironment;
  let node: ServerProcess;
  beforeAll(async () => {
    environment = await createTestEnvironment({ NODE_ENV: 'development', HOST: '127.0.0.1', AUTH_SECRET: randomBytes(32).toString('hex') });
    node = await startServerProcess('src/main.ts', environment.env);
  }, 60_000);
  afterAll(async () => {
    await stop(node);
    await environment?.cleanup();
  });

  it('says at start-up where the API reference, the development outbox and the database are', async () => {
    await waitUntil(() => node.output().includes('Ready:'), 'the start-up line');
    const ready = jsonLines(node.output()).find((line) => line.msg.startsWith('Ready:'))!;
    expect(ready.level).toBe(30);
    expect(ready.docs).toBe(`${node.url}/docs`);
    expect(ready.outbox).toBe(`${node.url}/dev/outbox`);
    if (usesPostgres) {
      const url = new URL(process.env.DATABASE_URL!);
      expect(ready.database).toBe(`PostgreSQL ${url.host}${url.pathname} (schema ${environment.env.DATABASE_SCHEMA})`);
      if (url.password) expect(node.output()).not.toContain(`:${url.password}@`);
      if (url.username) expect(ready.msg).not.toContain(`${url.username}@`);
    } else {
      expect(ready.database).toBe(`SQLite ${path.join(environment.dataDir, 'app.db')}`);
    }
    expect(ready.msg).toBe(`Ready: API reference at ${ready.docs}; development outbox at ${ready.outbox}; database: ${ready.database}`);
    // The docs it points at are there.
    expect((await fetch(ready.docs!)).status).toBe(200);
  });

  it('ends each request with a line naming the signed-in user and, for an error, the problem code', async () => {
    const server = asTestServer(node);
    const ann = await person(server);
    const requests = [
      { path: '/api/v1/users/me', headers: bearer(ann.token), status: 200 },
      { path: '/api/v1/chats/999999', headers: bearer(ann.token), status: 404 },
      { path: '/api/v1/users/me', headers: {}, status: 401 },
    ];
    const ids: string[] = [];
    for (const { path: url, headers, status } of requests) {
      const res = await server.request(url, { headers });
      expect(res.status).toBe(status);
      await res.arrayBuffer();
      ids.push(res.headers.get('x-request-id')!);
    }
    await waitUntil(() => ids.every((id) => jsonLines(node.output()).some((l) => l.reqId === id && l.msg === 'request completed')), 'the request lines');
    const [ok, notFound, anonymous] = ids.map((id) => jsonLines(node.output()).find((l) => l.reqId === id && l.msg === 'request completed')!);

    expect(ok).toMatchObject({ level: 30, req: { method: 'GET', url: '/api/v1/users/me' }, res: { statusCode: 200 }, userId: ann.id });
    expect(ok!.code).toBeUndefined();
    expect(ok!.responseTime).toBeGreaterThan(0);
    expect(notFound).toMatchObject({ req: { url: '/api/v1/chats/999999' }, res: { statusCode: 404 }, userId: ann.id, code: 'chat_not_found' });
    expect(anonymous).toMatchObject({ res: { statusCode: 401 }, code: 'missing_credentials' });
    expect(anonymous!.userId).toBeUndefined();
  });
});

describe('the start-up line and the log format elsewhere', () => {
  const environments: TestEnvironment[] = [];
  let node: ServerProcess | undefined;
  afterEach(async () => {
    await stop(node);
    node = undefined;
    while (environments.length) await environments.pop()?.cleanup();
  });

  async function start(settings: Record<string, string>): Promise<ServerProcess> {
    const environment = await createTestEnvironment({ HOST: '127.0.0.1', AUTH_SECRET: randomBytes(32).toString('hex'), ...settings });
    environments.push(environment);
    node = await startServerProcess('src/main.ts', environment.env);
    await waitUntil(() => node!.output().includes('Ready:'), 'the start-up line');
    return node;
  }

  it('in production names neither the outbox nor, when off, the docs; and stays JSON', async () => {
    const started = await start({ NODE_ENV: 'production', METRICS_TOKEN: randomBytes(16).toString('hex'), DOCS_ENABLED: 'false' });
    const ready = jsonLines(started.output()).find((line) => line.msg.startsWith('Ready:'))!;
    expect(ready.msg).toMatch(/^Ready: database: (SQLite|PostgreSQL) /);
    expect(ready.outbox).toBeUndefined();
    expect(ready.docs).toBeUndefined();
    expect((await fetch(`${started.url}/dev/outbox`)).status).toBe(404);
  });

  it('with LOG_FORMAT=pretty writes one readable line per entry, with the user and the problem code', async () => {
    const started = await start({ NODE_ENV: 'development', LOG_FORMAT: 'pretty' });
    const server = asTestServer(started);
    const ann = await person(server);
    expect((await server.request('/api/v1/chats/999999', { headers: bearer(ann.token) })).status).toBe(404);
    const line = new RegExp(String.raw`INFO.*: request completed GET /api/v1/chats/999999 → 404 \d+\.\d ms user ${ann.id} chat_not_found`);
    await waitUntil(() => line.test(started.output()), `a readable request line in:\n${started.output()}`);
    expect(started.output()).toMatch(/INFO.*: Ready: API reference at http:\/\/127\.0\.0\.1:\d+\/docs; development outbox at/);
    expect(started.output()).not.toMatch(/^\{"level"/m);
  });
});
