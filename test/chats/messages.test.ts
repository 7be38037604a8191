import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, direct, group, person, send, type ChatJson, type MessageJson, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

type Page = { items: MessageJson[]; nextCursor: string | null };

describe('sending', () => {
  it('stores a message with an id and the next seq, trimmed, and shows it in history', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const first = await send(server, a, chat.id, '  hello  ');
    expect(first).toMatchObject({ chatId: chat.id, seq: 1, text: 'hello', sender: { id: a.id, username: a.username }, editedAt: null, deletedAt: null, reactions: [], attachments: [] });
    const second = await send(server, b, chat.id, 'hi!', { replyToId: first.id });
    expect(second).toMatchObject({ seq: 2, replyToId: first.id });
  });

  it('gives 200 concurrent sends into one chat the seqs 1..200 exactly', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await group(server, a, [b]);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => call<MessageJson>(server, i % 2 ? a : b, 'POST', `/chats/${chat.id}/messages`, { text: `m${i}` })),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(results.map((r) => r.body.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const after = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?after=0&limit=100`);
    expect(after.body.items.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('stores a repeated clientId once and answers the retry with the first message', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const first = await call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'once', clientId: 'c-1' });
    const retry = await call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'once', clientId: 'c-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    // Concurrent retries too.
    const burst = await Promise.all([1, 2, 3, 4].map(() => call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'twice?', clientId: 'c-2' })));
    expect(new Set(burst.map((r) => r.body.id)).size).toBe(1);
    expect(burst.filter((r) => r.status === 201)).toHaveLength(1);
    // The same clientId from someone else is their own message.
    const other = await call<MessageJson>(server, b, 'POST', `/chats/${chat.id}/messages`, { text: 'mine', clientId: 'c-1' });
    expect(other.status).toBe(201);
    const history = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items.map((m) => m.seq)).toEqual([3, 2, 1]);
  });

  it('refuses empty, whitespace-only, oversized and malformed messages, storing nothing', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const cases = [{}, { text: '' }, { text: '   \n ' }, { text: 'x'.repeat(4001) }, { text: 42 }, { text: ['a'] }, { text: 'a', extra: true }, { text: 'a', clientId: '' }, { text: 'a', attachmentIds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }];
    for (const json of cases) {
      const res = await call(server, a, 'POST', `/chats/${chat.id}/messages`, json);
      expect(res.status, JSON.stringify(json).slice(0, 60)).toBe(400);
    }
    expect((await call(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'x'.repeat(4000) })).status).toBe(201);
    const wrongReply = await call<{ code: string }>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'a', replyToId: 999_999 });
    expect(wrongReply.body.code).toBe('reply_not_found');
    const foreign = await call<{ code: string }>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'a', attachmentIds: [999_999] });
    expect(foreign.body.code).toBe('attachment_unavailable');
    expect((await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`)).body.lastSeq).toBe(1);
  });
});

describe('history', () => {
  it('pages with before (newest first), after (oldest first) and offset, limit at most 100', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    for (let i = 1; i <= 12; i++) await send(server, i % 2 ? a : b, chat.id, `n${i}`);
    const newest = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?limit=5`);
    expect(newest.body.items.map((m) => m.seq)).toEqual([12, 11, 10, 9, 8]);
    expect(newest.body.nextCursor).toBe('8');
    const older = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?limit=5&before=8`);
    expect(older.body.items.map((m) => m.seq)).toEqual([7, 6, 5, 4, 3]);
    const oldest = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?limit=5&before=3`);
    expect(oldest.body).toMatchObject({ nextCursor: null });
    expect(oldest.body.items.map((m) => m.seq)).toEqual([2, 1]);
    const catchUp = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?after=9`);
    expect(catchUp.body.items.map((m) => m.seq)).toEqual([10, 11, 12]);
    const offset = await call<Page>(server, a, 'GET', `/chats/${chat.id}/messages?offset=10&limit=5`);
    expect(offset.body.items.map((m) => m.seq)).toEqual([2, 1]);
    for (const query of ['limit=101', 'limit=0', 'before=-1', 'before=x', 'before=3&after=1', 'offset=1&before=3', 'unknown=1']) {
      expect((await call(server, a, 'GET', `/chats/${chat.id}/messages?${query}`)).status, query).toBe(400);
    }
  });
});

describe('editing and deleting', () => {
  it('lets only the author edit, marking editedAt', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const message = await send(server, a, chat.id, 'draft');
    expect((await call(server, b, 'PATCH', `/chats/${chat.id}/messages/${message.id}`, { text: 'hacked' })).status).toBe(403);
    const edited = await call<MessageJson>(server, a, 'PATCH', `/chats/${chat.id}/messages/${message.id}`, { text: ' final ' });
    expect(edited.status).toBe(200);
    expect(edited.body.text).toBe('final');
    expect(edited.body.editedAt).not.toBeNull();
    for (const json of [{}, { text: '' }, { text: '   ' }, { text: 'x'.repeat(4001) }]) {
      expect((await call(server, a, 'PATCH', `/chats/${chat.id}/messages/${message.id}`, json)).status).toBe(400);
    }
    expect((await call(server, a, 'PATCH', `/chats/${chat.id}/messages/999999`, { text: 'x' })).status).toBe(404);
  });

  it('leaves a tombstone with no text when the author or a group admin deletes', async () => {
    const [owner, member, other] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, owner, [member, other]);
    const mine = await send(server, member, chat.id, 'oops');
    const theirs = await send(server, other, chat.id, 'rude');
    expect((await call(server, member, 'DELETE', `/chats/${chat.id}/messages/${theirs.id}`)).status).toBe(403);
    expect((await call(server, member, 'DELETE', `/chats/${chat.id}/messages/${mine.id}`)).status).toBe(204);
    expect((await call(server, owner, 'DELETE', `/chats/${chat.id}/messages/${theirs.id}`)).status).toBe(204);
    const history = await call<Page>(server, member, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items.map((m) => [m.seq, m.text, m.deletedAt !== null])).toEqual([
      [2, null, true],
      [1, null, true],
    ]);
    const revive = await call<{ code: string }>(server, member, 'PATCH', `/chats/${chat.id}/messages/${mine.id}`, { text: 'back' });
    expect(revive.status).toBe(400);
    expect(revive.body.code).toBe('message_deleted');
  });
});

describe('reactions', () => {
  it('aggregates per emoji with counts and whether I reacted', async () => {
    const [a, b, c] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, a, [b, c]);
    const message = await send(server, a, chat.id, 'party?');
    const thumbs = encodeURIComponent('👍');
    const tada = encodeURIComponent('🎉');
    await call(server, a, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${thumbs}`);
    await call(server, b, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${thumbs}`);
    await call(server, b, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${thumbs}`);
    const res = await call<{ reactions: unknown[] }>(server, c, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${tada}`);
    expect(res.body.reactions).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🎉', count: 1, me: true },
    ]);
    const history = await call<Page>(server, b, 'GET', `/chats/${chat.id}/messages`);
    expect(history.body.items[0]!.reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: false },
    ]);
    const removed = await call<{ reactions: unknown[] }>(server, b, 'DELETE', `/chats/${chat.id}/messages/${message.id}/reactions/${thumbs}`);
    expect(removed.body.reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
      { emoji: '🎉', count: 1, me: false },
    ]);
  });

  it('refuses what is not one emoji', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    const message = await send(server, a, chat.id, 'hi');
    for (const emoji of ['a', 'ab', '👍👍', '<script>', '%00', ' ', 'x'.repeat(33)]) {
      const res = await call(server, a, 'PUT', `/chats/${chat.id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`);
      expect(res.status, emoji).toBe(400);
    }
    expect((await call(server, a, 'PUT', `/chats/${chat.id}/messages/999999/reactions/${encodeURIComponent('👍')}`)).status).toBe(404);
  });
});

describe('read markers', () => {
  it('moves lastReadSeq forward only; unreadCount excludes my own messages', async () => {
    const [a, b] = [await person(server), await person(server)];
    const chat = await direct(server, a, b);
    for (let i = 0; i < 3; i++) await send(server, b, chat.id, `b${i}`);
    let mine = await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`);
    expect(mine.body).toMatchObject({ unreadCount: 3, lastReadSeq: 0 });
    expect((await call(server, a, 'POST', `/chats/${chat.id}/read`, { seq: 2 })).body).toEqual({ lastReadSeq: 2, unreadCount: 1 });
    expect((await call(server, a, 'POST', `/chats/${chat.id}/read`, { seq: 1 })).body).toEqual({ lastReadSeq: 2, unreadCount: 1 });
    await send(server, a, chat.id, 'my reply');
    mine = await call<ChatJson>(server, a, 'GET', `/chats/${chat.id}`);
    expect(mine.body).toMatchObject({ unreadCount: 0, lastReadSeq: 4 });
    const theirs = await call<ChatJson>(server, b, 'GET', `/chats/${chat.id}`);
    expect(theirs.body).toMatchObject({ unreadCount: 1, lastReadSeq: 3 });
    for (const json of [{}, { seq: -1 }, { seq: 'x' }, { seq: 99 }]) {
      expect((await call(server, a, 'POST', `/chats/${chat.id}/read`, json)).status, JSON.stringify(json)).toBe(400);
    }
  });

  it('tells a sender how far the others have read (othersReadSeq), in the chat and in the list, so "seen" survives a reload', async () => {
    const [a, b, c] = [await person(server), await person(server), await person(server)];
    const team = await group(server, a, [b, c]);
    for (let i = 0; i < 4; i++) await send(server, a, team.id, `a${i}`);
    const seenBy = async (who: Person) => {
      const one = (await call<ChatJson>(server, who, 'GET', `/chats/${team.id}`)).body;
      const listed = (await call<{ items: ChatJson[] }>(server, who, 'GET', '/chats')).body.items.find((chat) => chat.id === team.id);
      expect(listed?.othersReadSeq).toBe(one.othersReadSeq);
      return one.othersReadSeq;
    };
    expect(await seenBy(a)).toBe(0);
    await call(server, b, 'POST', `/chats/${team.id}/read`, { seq: 2 });
    await call(server, c, 'POST', `/chats/${team.id}/read`, { seq: 3 });
    // The furthest reader counts, and my own marker never does.
    expect(await seenBy(a)).toBe(3);
    expect(await seenBy(b)).toBe(4);
    expect(await seenBy(c)).toBe(4);
  });
});
