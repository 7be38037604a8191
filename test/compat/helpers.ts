import { expect } from 'vitest';
import type { TestServer } from '../helpers/server.js';

/** A form body (`application/x-www-form-urlencoded`), as `requests.post(url, data)` sends it. */
export const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  return { body: params.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};

/** A call to a dialect's path, with a JSON body when `json` is given; answers status and parsed JSON. */
export async function call(
  server: TestServer,
  path: string,
  init: RequestInit & { json?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await server.request(path, init);
  const text = await res.text();
  expect(res.headers.get('content-type') ?? '', `${path} answers JSON: ${text}`).toMatch(/^application\/json/);
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** The claims of a JWT, decoded as a client does it. */
export const claimsOf = (jwt: string): Record<string, unknown> => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
