import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { direct, person, send, type Person } from '../helpers/chats.js';
import { blackPng } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';
import { jsonValue, nastyStrings, objectWith, pathSegment, queryValue, rawBodies, serialize, text } from './arbitraries.js';

/**
 * Random and adversarial requests and frames thrown at a live server: every answer must be a
 * 2xx–4xx (problem+json for errors) or an error frame, and the server must stay up. Each property
 * runs for a fixed time; FUZZ_SECONDS makes it longer, FUZZ_SEED replays a reported failure.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 12);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const budget = {
  numRuns: 1_000_000,
  ...(seed === undefined ? {} : { seed }),
  plugins: [fc.interruptAfterTimeLimit(SECONDS * 1000)],
};

interface Route {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  bodyFields: string[];
  multipart: boolean;
}

/** Routes this test must not call: they would end the very session the fuzzing runs on. */
const sessionEnding = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/auth/logout-all', 'DELETE /api/v1/auth/sessions/{id}', 'DELETE /api/v1/users/me']);

let server: TestServer;
let me: Person;
let friend: Person;
let chatId: number;
let routes: Route[];

beforeAll(async () => {
  server = await startTestServer({ env: { RATE_LIMIT_ENABLED: 'false', WS_RATE_LIMIT: '100000/10s' } });
  me = await person(server);
  friend = await person(server);
  chatId = (await direct(server, me, friend)).id;
  await send(server, me, chatId, 'hello');
  routes = await routesOf(server);
});
afterAll(async () => {
  await server?.close();
});

type Operation = { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } };

/** Every route of the OpenAPI document, and the WebSocket endpoint, with the names they take. */
async function routesOf(target: TestServer): Promise<Route[]> {
  const doc = (await (await target.request('/openapi.json')).json()) as { paths: Record<string, Record<string, Operation>> };
  const found: Route[] = [{ method: 'GET', path: '/api/v1/ws', pathParams: [], queryParams: ['access_token'], bodyFields: [], multipart: false }];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const route = {
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!).filter((name) => name !== 'path'),
        queryParams: (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyFields: Object.keys(operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
        multipart: operation.requestBody?.content?.['multipart/form-data'] !== undefined || path.endsWith('/uploads') || path.endsWith('/avatar') || (path === '/api/v1/posts' && method === 'post'),
      };
      if (!sessionEnding.has(`${route.method} ${route.path}`)) found.push(route);
    }
  }
  return found;
}

interface Attempt {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** A request against one route: its path filled with hostile segments (or real ids), any query, any body. */
function attempts(): fc.Arbitrary<Attempt> {
  const idOrSegment = fc.oneof({ weight: 1, arbitrary: fc.constantFrom(String(chatId), String(me.id), String(friend.id), '1') }, { weight: 3, arbitrary: pathSegment });
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') }),
        segments: fc.array(idOrSegment, { minLength: route.pathParams.length, maxLength: route.pathParams.length }),
        wildcard: fc.array(pathSegment, { minLength: 0, maxLength: 4 }),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...route.queryParams, 'limit', 'cursor', '__proto__', 'constructor'), fc.string({ maxLength: 8 }).map(encodeURIComponent)), queryValue), { maxLength: 4 }),
        auth: fc.constantFrom('mine', 'mine', 'mine', 'none', 'garbage', 'token-scheme', 'cookie'),
        body: route.multipart
          ? multipartBodies()
          : fc.oneof(
              { weight: 6, arbitrary: objectWith(route.bodyFields).map((value) => ({ text: serialize(value), type: 'application/json' })) },
              { weight: 1, arbitrary: jsonValue.map((value) => ({ text: serialize(value), type: 'application/json' })) },
              { weight: 1, arbitrary: rawBodies.map((raw) => ({ text: raw, type: 'application/json' })) },
              { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x').map((type) => ({ text: 'a=1&b=2', type })) },
              { weight: 1, arbitrary: fc.constant(undefined) },
            ),
      })
      .map(({ method, segments, wildcard, query, auth, body }) => {
        let path = route.path;
        route.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, segments[i]!)));
        // `{path}` is the rest of a file path (`/files/*`), slashes and all.
        path = path.replace('{path}', wildcard.join('/'));
        const search = query.length > 0 ? `?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : '';
        const headers: Record<string, string> = {
          ...(auth === 'mine' ? bearer(me.token) : {}),
          ...(auth === 'garbage' ? { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOjF9.' } : {}),
          ...(auth === 'token-scheme' ? { authorization: 'Token msg_pat_constructor' } : {}),
          ...(auth === 'cookie' ? { cookie: 'msg_session=__proto__; msg_csrf=x', 'x-csrf-token': 'x' } : {}),
        };
        const hasBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        if (hasBody) headers['content-type'] = body.type;
        return { method, url: `${path}${search}`, headers, ...(hasBody ? { body: body.text } : {}) };
      }),
  );
}

/** multipart/form-data written by hand, so file names can hold any bytes. */
function multipartBodies(): fc.Arbitrary<{ text: Buffer; type: string }> {
  const name = fc.oneof(fc.constantFrom('file', 'file', 'chatId', '__proto__', ''), fc.string({ maxLength: 8 }));
  const filename = fc.oneof(
    fc.constantFrom('a.png', 'photo.jpg', '../../x', '', 'a\u0000b.png'),
    fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  );
  const content = fc.oneof(fc.constant(blackPng(2, 2)), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), fc.constant(Buffer.alloc(0)));
  const part = fc.record({ name, filename: fc.option(filename), type: fc.option(fc.constantFrom('image/png', 'text/plain', 'application/octet-stream', '')), content });
  return fc.array(part, { maxLength: 3 }).map((parts) => {
    const boundary = 'fuzz-boundary-4f1c';
    const chunks: Buffer[] = [];
    for (const p of parts) {
      const disposition = `form-data; name="${p.name}"${p.filename === null ? '' : `; filename="${p.filename}"`}`;
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`, 'latin1'), p.content, Buffer.from('\r\n'));
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return { text: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
  });
}

async function perform(attempt: Attempt): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(server.url + attempt.url, { method: attempt.method, headers: attempt.headers, body: attempt.body, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('a live server under random and hostile input', () => {
  it(`answers every request with a status below 500, and errors as problem+json (${SECONDS} s)`, async () => {
    const runs = { count: 0 };
    await fc.assert(
      fc.asyncProperty(attempts(), async (attempt) => {
        // Each run counts itself, so a time budget that ran nothing cannot pass unnoticed.
        runs.count += 1;
        const answer = await perform(attempt);
        const described = `${attempt.method} ${attempt.url} → ${answer.status} ${answer.body.slice(0, 300)}`;
        expect(answer.status, described).toBeLessThan(500);
        if (answer.status >= 400 && attempt.method !== 'HEAD') expect(answer.type ?? '(none)', described).toMatch(/^application\/problem\+json/);
      }),
      budget,
    );
    expect(runs.count).toBeGreaterThan(50);
    expect((await server.request('/health')).status).toBe(200);
    expect((await server.request('/api/v1/users/me', { headers: bearer(me.token) })).status).toBe(200);
  });

  it(`answers every WebSocket frame with a frame or a documented close, and keeps the socket (${SECONDS} s)`, async () => {
    const socket = await TestSocket.open(server, { token: me.token });
    const frameType = fc.oneof(fc.constantFrom('message.send', 'typing', 'read', 'ping'), fc.constantFrom(...nastyStrings), fc.string({ maxLength: 10 }));
    const chatIdValue = fc.oneof(fc.constant(chatId), jsonValue);
    const frame = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(frameType, chatIdValue, objectWith(['text', 'clientId', 'replyToId', 'attachmentIds', 'seq'])).map(([type, id, rest]) => serialize({ ...rest, type, chatId: id })) },
      { weight: 1, arbitrary: jsonValue.map(serialize) },
      { weight: 1, arbitrary: text },
      { weight: 1, arbitrary: rawBodies.filter((raw) => raw.length < 60_000) },
    );
    const runs = { count: 0 };
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
          runs.count += 1;
          for (const data of frames) socket.send(data);
          const from = socket.frames.length;
          socket.send({ type: 'ping' });
          await socket.next((f) => f.type === 'pong', `a pong after ${JSON.stringify(frames).slice(0, 500)}`, 5000, from);
          const failures = socket.frames.filter((f) => f.type === 'error' && f.code === 'internal_error');
          expect(failures, JSON.stringify(frames).slice(0, 500)).toEqual([]);
          expect(socket.isOpen).toBe(true);
        }),
        budget,
      );
    } finally {
      await socket.close();
    }
    expect(runs.count).toBeGreaterThan(20);
    expect((await server.request('/health')).status).toBe(200);
  });
});
