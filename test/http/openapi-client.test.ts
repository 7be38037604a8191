import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, registerUser } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * What a client developer building on /openapi.json relies on: names to generate code with, shared
 * shapes they can map once, every error spelled out, and a reference page that works offline.
 */

type Schema = Record<string, unknown> & { $ref?: string; properties?: Record<string, Schema>; required?: string[]; default?: unknown };
interface Media {
  schema?: Schema;
  example?: unknown;
}
interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: { description?: string; content: Record<string, Media> };
  parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema }>;
  responses: Record<string, { description: string; content?: Record<string, Media> }>;
}
interface Document {
  servers?: Array<{ url: string }>;
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, Operation>>;
}

let server: TestServer;
let doc: Document;
const operations: Array<{ method: string; path: string; operation: Operation }> = [];
beforeAll(async () => {
  server = await startTestServer();
  doc = (await (await server.request('/openapi.json')).json()) as Document;
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) operations.push({ method, path, operation });
  }
});
afterAll(async () => {
  await server?.close();
});

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonSchema = (path: string, method: string, status: string) => doc.paths[path]![method]!.responses[status]!.content!['application/json']!.schema!;

describe('the OpenAPI document, as a client developer uses it', () => {
  it('names every operation, once, in camelCase', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(ids.filter((id) => typeof id !== 'string' || !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/chats']!.get!.operationId).toBe('listChats');
    expect(doc.paths['/api/v1/chats/{id}/messages']!.post!.operationId).toBe('sendMessage');
  });

  it('refers to the shared shapes as named components', () => {
    for (const name of ['User', 'Profile', 'CurrentUser', 'Chat', 'ChatMember', 'Message', 'Attachment', 'Reaction', 'Post', 'Comment', 'Problem', 'Session', 'TokenPair', 'LoginAnswer']) {
      expect(doc.components.schemas[name], name).toBeDefined();
      expect(doc.components.schemas[name]!.description, name).toEqual(expect.any(String));
    }
    expect(jsonSchema('/api/v1/chats/{id}', 'get', '200')).toEqual(ref('Chat'));
    expect(jsonSchema('/api/v1/chats/{id}/messages', 'post', '201')).toEqual(ref('Message'));
    expect(jsonSchema('/api/v1/posts/{id}', 'get', '200')).toEqual(ref('Post'));
    expect(jsonSchema('/api/v1/users/{id}', 'get', '200')).toEqual(ref('Profile'));
    expect(jsonSchema('/api/v1/uploads', 'post', '201')).toEqual(ref('Attachment'));
    expect(jsonSchema('/api/v1/auth/login', 'post', '200')).toEqual(ref('LoginAnswer'));
    expect(jsonSchema('/api/v1/chats', 'get', '200').properties!.items!.items).toEqual(ref('Chat'));
    // Components refer to each other too: a chat's last message is a Message.
    expect(JSON.stringify(doc.components.schemas.Chat)).toContain('"#/components/schemas/Message"');
    expect(JSON.stringify(doc.components.schemas.Chat)).toContain('"#/components/schemas/ChatMember"');
  });

  it('declares problem+json error responses on every operation, naming their codes', () => {
    for (const { method, path, operation } of operations) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^[45]/.test(status));
      expect(errors.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of errors) {
        expect(response.content, `${method} ${path} ${status}`).toEqual({ 'application/problem+json': { schema: ref('Problem') } });
        expect(response.description, `${method} ${path} ${status}`).toMatch(/`[a-z_]+`: /);
      }
    }
    const send = doc.paths['/api/v1/chats/{id}/messages']!.post!.responses;
    expect(send['400']!.description).toContain('`validation_failed`');
    expect(send['400']!.description).toContain('`empty_message`');
    expect(send['401']!.description).toContain('`missing_credentials`');
    expect(send['403']!.description).toContain('`blocked`');
    expect(send['404']!.description).toContain('`chat_not_found`');
    // Public routes say so, and answer no credential errors.
    const register = doc.paths['/api/v1/auth/register']!.post!;
    expect(register.security).toEqual([]);
    expect(register.responses['401']).toBeUndefined();
    expect(register.responses['429']!.description).toContain('`rate_limited`');
  });

  it('does not mark required what has a default', () => {
    const requiredWithDefault: string[] = [];
    const visit = (schema: unknown, where: string) => {
      if (schema === null || typeof schema !== 'object') return;
      const s = schema as Schema;
      for (const name of s.required ?? []) if (s.properties?.[name]?.default !== undefined) requiredWithDefault.push(`${where}: ${name}`);
      for (const [key, value] of Object.entries(s)) if (key !== 'default' && key !== 'examples') visit(value, where);
    };
    for (const { method, path, operation } of operations) {
      for (const media of Object.values(operation.requestBody?.content ?? {})) visit(media.schema, `${method} ${path}`);
      for (const parameter of operation.parameters ?? []) {
        if (parameter.schema?.default !== undefined && parameter.required) requiredWithDefault.push(`${method} ${path}: ${parameter.name}`);
      }
    }
    expect(requiredWithDefault).toEqual([]);
    expect(doc.paths['/api/v1/chats']!.get!.parameters!.find((p) => p.name === 'limit')).toMatchObject({ required: false, schema: { default: 50 } });
  });

  it('describes every request body and success response, with an example', () => {
    const missing: string[] = [];
    for (const { method, path, operation } of operations) {
      if (operation.requestBody) {
        if (!operation.requestBody.description) missing.push(`${method} ${path} request description`);
        for (const [type, media] of Object.entries(operation.requestBody.content)) {
          if (type.includes('json') && media.example === undefined) missing.push(`${method} ${path} request example`);
        }
      }
      for (const [status, response] of Object.entries(operation.responses).filter(([s]) => s.startsWith('2'))) {
        if (!response.description || response.description === 'Default Response') missing.push(`${method} ${path} ${status} description`);
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (type.includes('json') && media.example === undefined) missing.push(`${method} ${path} ${status} example`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('describes the multipart body of a new post', () => {
    const body = doc.paths['/api/v1/posts']!.post!.requestBody!;
    const schema = body.content['multipart/form-data']!.schema!;
    expect(Object.keys(schema.properties!)).toEqual(['text', 'visibility', 'alt[0]', 'images[]']);
    expect(schema.properties!['alt[0]']).toMatchObject({ type: 'string', maxLength: 1500 });
    expect(schema.properties!['images[]']).toMatchObject({ type: 'array', items: { type: 'string', format: 'binary' } });
    expect(doc.paths['/api/v1/uploads']!.post!.requestBody!.content['multipart/form-data']).toBeDefined();
  });
});

describe('problem bodies, with error responses declared', () => {
  it('keep their code, detail and field errors', async () => {
    const { accessToken } = await login(server, await registerUser(server));
    const res = await server.request('/api/v1/chats', {
      method: 'POST',
      headers: bearer(accessToken),
      json: { type: 'group', name: '', memberIds: [], extra: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { status: number; code: string; detail?: string; requestId?: string; errors?: Array<{ field: string; message: string }> };
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(typeof problem.detail).toBe('string');
    expect(typeof problem.requestId).toBe('string');
    expect(problem.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['name']));
    expect(problem.errors?.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);

    const notFound = await server.request('/api/v1/chats/999999', { headers: bearer(accessToken) });
    expect(notFound.status).toBe(404);
    const missing = (await notFound.json()) as { code: string; detail?: string; instance?: string };
    expect(missing).toMatchObject({ code: 'chat_not_found', instance: '/api/v1/chats/999999' });
    expect(typeof missing.detail).toBe('string');
  });
});

describe('the reference page', () => {
  it('loads from this server alone: no script, style, font or image from another origin', async () => {
    const res = await server.request('/docs/');
    expect(res.status).toBe(200);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy') ?? '';
    // Every URL the page names is relative (or a data: URI).
    const urls = [...html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.filter((url) => /^(https?:)?\/\//.test(url))).toEqual([]);
    expect(csp).not.toMatch(/https?:\/\//);
    expect(csp).toMatch(/default-src 'self'/);
    // What the page loads is served here; the policy lets the browser fetch nothing from elsewhere.
    for (const url of urls.filter((u) => !u.startsWith('data:'))) {
      const asset = await server.request(new URL(url, `${server.url}/docs/`).pathname);
      expect(asset.status, url).toBe(200);
    }
    const initializer = await server.request('/docs/static/swagger-initializer.js');
    expect(await initializer.text()).toContain('"validatorUrl":null');
  });
});
