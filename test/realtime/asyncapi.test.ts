import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { befriend, call, direct, group, person, send } from '../helpers/chats.js';
import { multipart } from '../helpers/multipart.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { TestSocket, type Frame } from '../helpers/ws.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;

/** Resolves a local `#/…` reference in the document. */
function resolve(document: Json, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push(item);
      else refsIn(item, found);
    }
  }
  return found;
}

describe('the AsyncAPI document of /api/v1/ws', () => {
  let server: TestServer;
  let document: Json;
  let validators: Map<string, ValidateFunction>;

  beforeAll(async () => {
    server = await startTestServer();
    const res = await server.request('/asyncapi.json');
    expect(res.status).toBe(200);
    document = (await res.json()) as Json;
    // Each message's payload, checked the way a client's generated validator would.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ components: document.components }, 'asyncapi');
    const messages = (document.components as { messages: Record<string, { name: string; payload: Json }> }).messages;
    validators = new Map(
      Object.entries(messages)
        .filter(([key]) => !key.startsWith('client.'))
        .map(([, message]) => [message.name, ajv.compile({ ...rewriteRefs(message.payload) })]),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  /** Points `#/components/…` references at the document added to ajv as `asyncapi`. */
  function rewriteRefs(value: unknown): Json {
    return JSON.parse(JSON.stringify(value).replace(/"#\/components\//g, '"asyncapi#/components/')) as Json;
  }

  it('is a valid AsyncAPI 3.0 document whose references all resolve, linked from the API reference', async () => {
    const specs = require('@asyncapi/specs') as { schemas: Record<string, Json> };
    // The specification bundles its own copy of the draft-07 meta-schema.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false, meta: false }));
    const validate = ajv.compile(specs.schemas['3.0.0']!);
    expect(validate(document), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(document.asyncapi).toBe('3.0.0');
    for (const ref of refsIn(document)) expect(resolve(document, ref), ref).toBeDefined();
    const openapi = (await (await server.request('/openapi.json')).json()) as { info: { description: string } };
    expect(openapi.info.description).toContain('/asyncapi.json');
  });

  it('describes every frame the server sends, and each one the server really sends matches its schema', async () => {
    const ann = await person(server);
    const bob = await person(server);
    const cai = await person(server);
    const annSocket = await TestSocket.open(server, { token: ann.token });
    const bobSocket = await TestSocket.open(server, { token: bob.token });
    const since = bobSocket.frames[0]!.syncToken as string;

    // Friends, a group and everything that happens in it, posts, blocks, and the answers to client frames.
    await befriend(server, ann, bob);
    const chat = await group(server, ann, [bob]);
    expect((await call(server, ann, 'POST', `/chats/${chat.id}/members`, { userIds: [cai.id] })).status).toBeLessThan(300);
    const first = await send(server, ann, chat.id, 'hello');
    expect((await call(server, ann, 'PATCH', `/chats/${chat.id}/messages/${first.id}`, { text: 'hello there' })).status).toBe(200);
    expect((await call(server, bob, 'PUT', `/chats/${chat.id}/messages/${first.id}/reactions/${encodeURIComponent('🎉')}`)).status).toBe(200);
    expect((await call(server, bob, 'POST', `/chats/${chat.id}/read`, { seq: first.seq })).status).toBeLessThan(300);
    expect((await call(server, ann, 'DELETE', `/chats/${chat.id}/messages/${first.id}`)).status).toBe(204);
    expect((await call(server, ann, 'PATCH', `/chats/${chat.id}`, { name: 'Renamed' })).status).toBe(200);
    expect((await call(server, ann, 'DELETE', `/chats/${chat.id}/members/${cai.id}`)).status).toBe(204);
    const { body, contentType } = multipart([{ name: 'text', data: 'a post' }]);
    const published = await server.request('/api/v1/posts', { method: 'POST', body, headers: { ...bearer(bob.token), 'content-type': contentType } });
    expect(published.status).toBe(201);
    const post = (await published.json()) as { id: number };
    expect((await call(server, ann, 'PUT', `/posts/${post.id}/like`)).status).toBeLessThan(300);
    expect((await call(server, ann, 'POST', `/posts/${post.id}/comments`, { text: 'nice' })).status).toBe(201);
    await direct(server, ann, cai);
    expect((await call(server, bob, 'PUT', `/blocks/${cai.id}`)).status).toBeLessThan(300);
    expect((await call(server, bob, 'DELETE', `/blocks/${cai.id}`)).status).toBeLessThan(300);
    expect((await call(server, ann, 'DELETE', `/friends/${bob.id}`)).status).toBe(204);
    expect((await call(server, ann, 'DELETE', `/chats/${chat.id}`)).status).toBe(204);
    annSocket.send({ type: 'ping' });
    annSocket.send({ type: 'message.send', chatId: 999_999, text: 'nowhere', clientId: 'c-1' });
    const dm = await direct(server, ann, bob);
    annSocket.send({ type: 'message.send', chatId: dm.id, text: 'over the socket', clientId: 'c-2' });
    annSocket.send({ type: 'typing', chatId: dm.id });
    const caiSocket = await TestSocket.open(server, { token: cai.token });
    await annSocket.next((f) => f.type === 'presence', 'presence');
    await annSocket.next((f) => f.type === 'message.ack', 'the ack');
    await bobSocket.next((f) => f.type === 'typing', 'typing');
    await caiSocket.close();
    const replay = await TestSocket.open(server, { token: bob.token, query: `since=${since}` });
    await replay.next((f) => f.type === 'synced', 'the end of the replay');

    const frames: Frame[] = [...annSocket.frames, ...bobSocket.frames, ...replay.frames];
    const seen = new Set(frames.map((f) => f.type));
    for (const type of validators.keys()) expect(seen, `a ${type} frame`).toContain(type);
    for (const frame of frames) {
      const validate = validators.get(frame.type);
      expect(validate, `a schema for ${frame.type}`).toBeDefined();
      expect(validate!(frame), `${frame.type}: ${JSON.stringify(validate!.errors)}\n${JSON.stringify(frame)}`).toBe(true);
    }
    await Promise.all([annSocket.close(), bobSocket.close(), replay.close()]);
  }, 30_000);

  it('lists the frames a client may send with their schemas', () => {
    const messages = (document.components as { messages: Record<string, { name: string }> }).messages;
    expect(Object.keys(messages).filter((k) => k.startsWith('client.')).sort()).toEqual(['client.message.send', 'client.ping', 'client.read', 'client.typing']);
    const operations = document.operations as Record<string, { action: string; messages: unknown[] }>;
    expect(operations.sendEvents!.action).toBe('send');
    expect(operations.receiveClientFrames!.messages).toHaveLength(4);
  });
});

