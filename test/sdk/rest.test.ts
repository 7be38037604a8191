import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Chat, Message, MessengerClient, Post, Upload } from '../../sdk/src/index.js';
import { registerUser } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sdk } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

async function signedIn(): Promise<{ client: MessengerClient; id: number; password: string }> {
  const user = await registerUser(server);
  const client = sdk(server);
  await client.login({ login: user.username, password: user.password });
  return { client, id: user.id, password: user.password };
}

/**
 * The typed calls are what the type-checker (npm run typecheck) guarantees: paths, parameters,
 * bodies and answers all come from the generated types. One call of each resource group runs here
 * against the server, and the lines marked @ts-expect-error prove that a wrong call does not compile.
 */
describe('typed REST calls, one of each resource group', () => {
  it('auth, two-factor, users, friends and blocks, chats and messages, uploads, posts, sync, operations', async () => {
    const ann = await signedIn();
    const bob = await signedIn();
    const { client } = ann;

    // auth
    const sessions = await client.unwrap(client.api.GET('/api/v1/auth/sessions'));
    expect(sessions.items.some((s) => s.current)).toBe(true);
    // two-factor
    const factors = await client.unwrap(client.api.GET('/api/v1/auth/2fa'));
    expectTypeOf(factors.enabled).toBeBoolean();
    // users
    const me = await client.unwrap(client.api.PATCH('/api/v1/users/me', { body: { firstName: 'Ann' } }));
    expect(me.firstName).toBe('Ann');
    const profile = await client.unwrap(client.api.GET('/api/v1/users/{id}', { params: { path: { id: bob.id } } }));
    expect(profile.friendship).toBe('none');
    // friends and blocks
    await client.unwrap(client.api.PUT('/api/v1/friends/{userId}', { params: { path: { userId: bob.id } } }));
    const requests = await bob.client.unwrap(bob.client.api.GET('/api/v1/friends/requests', { params: { query: { direction: 'incoming' } } }));
    expect(requests.items.map((r) => r.id)).toContain(ann.id);
    const blocks = await client.unwrap(client.api.GET('/api/v1/blocks'));
    expect(blocks.items).toEqual([]);
    // chats and messages
    const chat = await client.unwrap(client.api.POST('/api/v1/chats', { body: { type: 'group', name: 'Typed', memberIds: [bob.id] } }));
    expectTypeOf(chat).toEqualTypeOf<Chat>();
    const sent = await client.unwrap(client.api.POST('/api/v1/chats/{id}/messages', { params: { path: { id: chat.id } }, body: { text: 'typed', clientId: 'c-typed' } }));
    expectTypeOf(sent).toEqualTypeOf<Message>();
    await bob.client.unwrap(
      bob.client.api.PUT('/api/v1/chats/{id}/messages/{messageId}/reactions/{emoji}', { params: { path: { id: chat.id, messageId: sent.id, emoji: '👍' } } }),
    );
    const page = await client.unwrap(client.api.GET('/api/v1/chats/{id}/messages', { params: { path: { id: chat.id }, query: { after: 0 } } }));
    expect(page.items.map((m) => [m.text, m.reactions[0]?.emoji])).toEqual([['typed', '👍']]);
    // uploads (multipart: the SDK's helpers)
    const upload = await client.upload(new Blob([blackPng(8, 8)], { type: 'image/png' }), 'dot.png');
    expectTypeOf(upload).toEqualTypeOf<Upload>();
    const withFile = await client.unwrap(client.api.POST('/api/v1/chats/{id}/messages', { params: { path: { id: chat.id } }, body: { attachmentIds: [upload.id] } }));
    expect(withFile.attachments[0]?.contentType).toBe('image/png');
    // posts
    const post = await client.createPost({ text: 'hello, typed world', visibility: 'public' });
    expectTypeOf(post).toEqualTypeOf<Post>();
    await bob.client.unwrap(bob.client.api.PUT('/api/v1/posts/{id}/like', { params: { path: { id: post.id } } }));
    const feed = await client.unwrap(client.api.GET('/api/v1/posts', { params: { query: { feed: 'latest' } } }));
    expect(feed.items.find((p) => p.id === post.id)?.likeCount).toBe(1);
    // sync
    const now = await client.syncPage();
    const since = await client.syncPage('0');
    expect(since.events.length).toBeGreaterThan(0);
    expect(now.nextToken).toMatch(/^\d+$/);
    // operations
    expect((await client.unwrap(client.api.GET('/health'))).status).toBe('ok');

    // What does not compile: a path that does not exist, a missing path parameter, a wrong body.
    const wrongCalls = () => [
      // @ts-expect-error: no such path
      client.api.GET('/api/v1/nothing'),
      // @ts-expect-error: the chat id is missing
      client.api.GET('/api/v1/chats/{id}', {}),
      // @ts-expect-error: a group's type is 'group', not 'team'
      client.api.POST('/api/v1/chats', { body: { type: 'team', memberIds: [] } }),
      // @ts-expect-error: text is a string
      client.api.POST('/api/v1/chats/{id}/messages', { params: { path: { id: 1 } }, body: { text: 42 } }),
    ];
    expectTypeOf(wrongCalls).toBeFunction();
  });

  it('turns an error answer into an ApiError with the problem', async () => {
    const { client } = await signedIn();
    const missing = await client.unwrap(client.api.GET('/api/v1/chats/{id}', { params: { path: { id: 999_999 } } })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'ApiError', status: 404, code: 'chat_not_found' });
    const raw = await client.api.GET('/api/v1/chats/{id}', { params: { path: { id: 999_999 } } });
    expect(raw.error?.code).toBe('chat_not_found');
  });
});
