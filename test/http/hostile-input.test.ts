import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, problem } from '../helpers/accounts.js';
import { call, direct, person, send, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let me: Person;
let friend: Person;
let chatId: number;
beforeAll(async () => {
  server = await startTestServer();
  me = await person(server);
  friend = await person(server);
  chatId = (await direct(server, me, friend)).id;
  await send(server, me, chatId, 'first');
});
afterAll(async () => {
  await server?.close();
});

async function get(path: string) {
  return server.request(path, { headers: bearer(me.token) });
}

describe('numbers in paths and query strings', () => {
  it('answers 400, never 500, for ids, limits, offsets and seqs that are not integers in range', async () => {
    const paths = [
      '/api/v1/chats?limit=Infinity',
      '/api/v1/chats?limit=-Infinity',
      '/api/v1/chats?limit=NaN',
      `/api/v1/chats/${chatId}/messages?offset=1e400`,
      `/api/v1/chats/${chatId}/messages?before=1e400`,
      `/api/v1/chats/${chatId}/messages?after=99999999999999999999`,
      `/api/v1/chats/${chatId}/messages?limit=1e1`,
      '/api/v1/chats/Infinity',
      '/api/v1/chats/1e400',
      '/api/v1/chats/9007199254740993',
      '/api/v1/users?search=a&limit=Infinity',
      '/api/v1/friends?limit=1e400',
    ];
    for (const path of paths) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect((await problem(res)).code, path).toBe('validation_failed');
    }
  });

  it('finds a user by the plain decimal id only: 0x49, 73.0, +73, 073, 73e0 and " 73" are 400', async () => {
    const id = String(friend.id);
    expect((await get(`/api/v1/users/${id}`)).status).toBe(200);
    const spellings = [`0x${friend.id.toString(16)}`, `${id}.0`, `+${id}`, `0${id}`, `${id}e0`, `%20${id}`, `${id}%20`, `0b${friend.id.toString(2)}`];
    for (const spelling of spellings) {
      const res = await get(`/api/v1/users/${spelling}`);
      expect(res.status, spelling).toBe(400);
      const body = await problem(res);
      expect(body.errors, spelling).toEqual([{ field: 'id', message: 'must be a whole number written in decimal digits' }]);
    }
  });

  it('refuses a JSON number that overflows to Infinity', async () => {
    const res = await server.request(`/api/v1/chats/${chatId}/read`, {
      method: 'POST',
      headers: { ...bearer(me.token), 'content-type': 'application/json' },
      body: '{"seq": 1e400}',
    });
    expect(res.status).toBe(400);
    expect((await problem(res)).errors?.[0]?.field).toBe('seq');
  });
});

describe('text no store can keep', () => {
  const unstorable = { nul: 'a\u0000b', 'lone high surrogate': 'a\uD800b', 'lone low surrogate': '\uDC00z' };

  it('refuses NUL and unpaired surrogates in a message text and a clientId, and stores nothing', async () => {
    for (const [what, text] of Object.entries(unstorable)) {
      for (const body of [{ text }, { text: 'fine', clientId: text }]) {
        const res = await call<{ code: string; errors: Array<{ field: string }> }>(server, me, 'POST', `/chats/${chatId}/messages`, body);
        expect(res.status, what).toBe(400);
        expect(res.body.errors[0]?.field, what).toBe(Object.keys(body).find((k) => body[k as keyof typeof body] === text));
      }
    }
    const history = await call<{ items: Array<{ text: string }> }>(server, me, 'GET', `/chats/${chatId}/messages`);
    expect(history.body.items.map((m) => m.text)).toEqual(['first']);
  });

  it('refuses them in query strings and in the names of JSON fields', async () => {
    // A URL carries UTF-8, where a lone surrogate cannot be written: NUL is what arrives.
    const res = await get('/api/v1/users?search=an%00n');
    expect(res.status).toBe(400);
    expect((await problem(res)).errors).toEqual([{ field: 'search', message: 'must not contain NUL characters or unpaired surrogates' }]);
    const named = await server.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"login":"x","password":"y","a\\u0000":1}' });
    expect(named.status).toBe(400);
    expect((await problem(named)).errors?.[0]?.message).toMatch(/NUL/);
  });

  it('keeps well-formed text of every plane, emoji and combining marks included', async () => {
    const text = 'Grüße 👩‍👩‍👧 ﷽ é 𝕏 \u202e';
    const message = await send(server, me, chatId, text);
    expect(message.text).toBe(text);
  });

  it('answers a body nested deeper than any stack with a 4xx', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const res = await server.request(`/api/v1/chats/${chatId}/messages`, { method: 'POST', headers: { ...bearer(me.token), 'content-type': 'application/json' }, body: deep });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await server.request('/health')).status).toBe(200);
  });
});

describe('numbers in the path of a write', () => {
  it('answers 400 for a message id written as hex or with an exponent', async () => {
    for (const id of ['0x1', '1e0', 'Infinity']) {
      const res = await server.request(`/api/v1/chats/${chatId}/messages/${id}`, { method: 'PATCH', headers: bearer(me.token), json: { text: 'edited' } });
      expect(res.status, id).toBe(400);
    }
  });
});

describe('multipart', () => {
  it('takes a file part that has no filename, under a name of its own', async () => {
    const boundary = 'no-name-boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\n--${boundary}--\r\n`;
    const res = await server.request('/api/v1/uploads', { method: 'POST', headers: { ...bearer(me.token), 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe('file');
  });
});
