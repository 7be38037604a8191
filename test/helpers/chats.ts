import { expect } from 'vitest';
import { bearer, login, registerUser, type RegisteredUser } from './accounts.js';
import type { TestServer } from './server.js';

export interface Person extends RegisteredUser {
  token: string;
  sessionId: number;
}

/** A registered, logged-in user. */
export async function person(server: TestServer, name?: string): Promise<Person> {
  const user = await registerUser(server, name ? { username: name } : {});
  const tokens = await login(server, user);
  return { ...user, token: tokens.accessToken, sessionId: tokens.sessionId };
}

export interface ChatJson {
  id: number;
  type: 'direct' | 'group';
  name: string | null;
  memberCount: number;
  members: Array<{ id: number; username: string; role: string; online: boolean }>;
  lastMessage: MessageJson | null;
  unreadCount: number;
  othersReadSeq: number;
  lastReadSeq: number;
  lastSeq: number;
  myRole: string;
}

export interface MessageJson {
  id: number;
  chatId: number;
  seq: number;
  text: string | null;
  sender: { id: number; username: string } | null;
  clientId: string | null;
  replyToId: number | null;
  attachments: Array<{ id: number; url: string }>;
  reactions: Array<{ emoji: string; count: number; me: boolean }>;
  editedAt: string | null;
  deletedAt: string | null;
}

/** Calls the API as this person; returns status and parsed body. */
export async function call<T = unknown>(server: TestServer, who: Person, method: string, path: string, json?: unknown): Promise<{ status: number; body: T }> {
  const res = await server.request(`/api/v1${path}`, { method, headers: bearer(who.token), json });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function group(server: TestServer, owner: Person, members: Person[], name = 'Team'): Promise<ChatJson> {
  const { status, body } = await call<ChatJson>(server, owner, 'POST', '/chats', { type: 'group', name, memberIds: members.map((m) => m.id) });
  expect(status).toBe(201);
  return body;
}

/** Makes two people friends: one asks, the other accepts. */
export async function befriend(server: TestServer, a: Person, b: Person): Promise<void> {
  expect((await call(server, a, 'PUT', `/friends/${b.id}`)).status).toBe(200);
  expect((await call<{ status: string }>(server, b, 'PUT', `/friends/${a.id}`)).body.status).toBe('friends');
}

export async function direct(server: TestServer, a: Person, b: Person): Promise<ChatJson> {
  const { status, body } = await call<ChatJson>(server, a, 'POST', '/chats', { type: 'direct', memberIds: [b.id] });
  expect([200, 201]).toContain(status);
  return body;
}

export async function send(server: TestServer, who: Person, chatId: number, text: string, extra: Record<string, unknown> = {}): Promise<MessageJson> {
  const { status, body } = await call<MessageJson>(server, who, 'POST', `/chats/${chatId}/messages`, { text, ...extra });
  expect(status, JSON.stringify(body)).toBe(201);
  return body;
}
