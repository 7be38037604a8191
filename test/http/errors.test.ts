import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { conflict } from '../../src/services/errors.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const logged: string[] = [];

beforeAll(async () => {
  server = await startTestServer({
    env: { BODY_LIMIT_BYTES: '2048' },
    configureHttp: (http) => {
      http.post(
        '/test/echo',
        {
          schema: {
            body: Type.Object(
              { name: Type.String({ minLength: 3, maxLength: 10 }), age: Type.Optional(Type.Integer({ minimum: 0 })) },
              { additionalProperties: false },
            ),
          },
        },
        async (request) => request.body,
      );
      http.get('/test/boom', async (request) => {
        const error = new Error('SQLITE_ERROR: near "SELEC": syntax error in SELECT * FROM users at /srv/app/src/store/users.ts:42');
        request.log.error = (obj: { err?: Error }) => void logged.push(String(obj.err?.message));
        throw error;
      });
      http.get('/test/taken', async () => {
        throw conflict('username_taken', 'That username is taken', [{ field: 'username', message: 'is taken' }]);
      });
    },
  });
});
afterAll(() => server?.close());

async function problemOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Record<string, unknown>;
}

describe('problem+json errors', () => {
  it('answers an unknown route with 404', async () => {
    const res = await server.request('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    const body = await problemOf(res);
    expect(body).toMatchObject({ status: 404, code: 'not_found', title: 'Not Found', instance: '/api/v1/nothing-here' });
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('answers a known path with the wrong method with 405 and Allow', async () => {
    const res = await server.request('/health', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
    expect(await problemOf(res)).toMatchObject({ status: 405, code: 'method_not_allowed' });
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await server.request('/test/echo', { method: 'POST', json: { name: 'x'.repeat(5000) } });
    expect(res.status).toBe(413);
    expect(await problemOf(res)).toMatchObject({ status: 413, code: 'payload_too_large' });
  });

  it('refuses a body of the wrong content type with 415', async () => {
    const res = await server.request('/test/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'name=abc',
    });
    expect(res.status).toBe(415);
    expect(await problemOf(res)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await server.request('/test/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "abc",',
    });
    expect(res.status).toBe(400);
    expect(await problemOf(res)).toMatchObject({ status: 400, code: 'malformed_json' });
  });

  it('refuses an empty JSON body with 400', async () => {
    const res = await server.request('/test/echo', { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).status).toBe(400);
  });

  it('gives field-level messages for every invalid field', async () => {
    const res = await server.request('/test/echo', { method: 'POST', json: { name: 'ab', age: '3', admin: true } });
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.code).toBe('validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'must be at least 3 characters' },
        { field: 'age', message: 'must be integer' },
        { field: 'admin', message: 'is not allowed' },
      ]),
    );
  });

  it('names a missing field and refuses arrays where a string is expected', async () => {
    const missing = await problemOf(await server.request('/test/echo', { method: 'POST', json: {} }));
    expect(missing.errors).toEqual([{ field: 'name', message: 'is required' }]);
    const array = await problemOf(await server.request('/test/echo', { method: 'POST', json: { name: ['abc'] } }));
    expect(array.errors).toEqual([{ field: 'name', message: 'must be string' }]);
    const notObject = await server.request('/test/echo', { method: 'POST', json: [1, 2] });
    expect(notObject.status).toBe(400);
  });

  it('passes valid input through', async () => {
    const res = await server.request('/test/echo', { method: 'POST', json: { name: 'abc', age: 3 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'abc', age: 3 });
  });

  it('maps domain errors to their status with a stable code', async () => {
    const res = await server.request('/test/taken');
    expect(res.status).toBe(409);
    expect(await problemOf(res)).toMatchObject({
      code: 'username_taken',
      detail: 'That username is taken',
      errors: [{ field: 'username', message: 'is taken' }],
    });
  });

  it('never shows a stack trace, SQL text or file path on an internal error', async () => {
    const res = await server.request('/test/boom');
    expect(res.status).toBe(500);
    const text = await res.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 500, code: 'internal_error' });
    expect(text).not.toMatch(/SELEC|SQLITE|users\.ts|\/srv\/|at \w+ \(|stack/i);
    expect(logged.join('\n')).toContain('SQLITE_ERROR');
  });

  it('keeps a well-formed caller request id and replaces a malformed one', async () => {
    const kept = await server.request('/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await server.request('/health', { headers: { 'x-request-id': 'not a valid id; <script>' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('not a valid id; <script>');
  });
});
