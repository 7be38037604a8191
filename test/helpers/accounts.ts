import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from './server.js';

export const PASSWORD = 'plum-kettle-47-orbit';

let counter = 0;
/** A username no other test uses. */
export const uniqueName = (prefix = 'user') => `${prefix}${++counter}_${randomBytes(3).toString('hex')}`;

export interface RegisteredUser {
  id: number;
  username: string;
  email: string;
  password: string;
}

export async function registerUser(server: TestServer, overrides: Partial<{ username: string; email: string; password: string }> = {}): Promise<RegisteredUser> {
  const username = overrides.username ?? uniqueName();
  const email = overrides.email ?? `${username.toLowerCase()}@example.test`;
  const password = overrides.password ?? PASSWORD;
  const res = await server.request('/api/v1/auth/register', { method: 'POST', json: { username, email, password } });
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { id: number };
  return { id: body.id, username, email, password };
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  sessionId: number;
}

export async function login(server: TestServer, user: { username: string; password: string }, headers: Record<string, string> = {}): Promise<Tokens> {
  const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: user.username, password: user.password }, headers });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Tokens;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET /users/me with these headers; returns the status. */
export async function meStatus(server: TestServer, headers: Record<string, string>): Promise<number> {
  const res = await server.request('/api/v1/users/me', { headers });
  await res.arrayBuffer();
  return res.status;
}

export async function problem(res: Response): Promise<{ status: number; code: string; detail?: string; errors?: Array<{ field: string; message: string }> }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { status: number; code: string; detail?: string; errors?: Array<{ field: string; message: string }> };
}
