import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import type { NewMessage, WriteResult } from '../../src/store/message-writer.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.js';

/**
 * The message writer's promises, held under load, on whichever engine the tests run: on
 * PostgreSQL concurrent sends are gathered into one statement per lane (group commit), so these
 * sends arrive together on purpose.
 */
describe('the message writer, under concurrent sends', () => {
  let environment: TestEnvironment;
  let handle: DatabaseHandle;
  const users: number[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment();
    const config = loadConfig(environment.env);
    handle = openDatabase(config);
    await migrateToLatest(handle, config.database.schema);
    for (const name of ['ada', 'bob']) {
      const row = await handle.db
        .insertInto('users')
        .values({ username: name, username_key: name, email: `${name}@example.com`, password_hash: 'x', first_name: name, last_name: '', first_name_key: name, last_name_key: '', bio: '', created_at: 1, updated_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      users.push(Number(row.id));
    }
  });

  afterAll(async () => {
    await handle?.close();
    await environment?.cleanup();
  });

  async function newChat(): Promise<number> {
    const { id } = await handle.db.insertInto('chats').values({ kind: 'group', name: 'Team', direct_key: null, created_by: users[0]!, created_at: 1, updated_at: 1, activity_at: 1 }).returning('id').executeTakeFirstOrThrow();
    await handle.db.insertInto('chat_members').values(users.map((user_id) => ({ chat_id: Number(id), user_id, role: 'member' as const, joined_at: 1 }))).execute();
    return Number(id);
  }

  const message = (chatId: number, senderId: number, text: string, clientId: string | null = null): NewMessage => ({
    chatId, senderId, senderUsername: 'x', text, replyToId: null, clientId, attachmentIds: [], now: 1_000,
  });

  it('gives each chat gapless seqs in each sender’s order, stores a repeated clientId once, and answers a chat that is gone', async () => {
    const chats = [await newChat(), await newChat(), await newChat(), await newChat(), await newChat()];
    const gone = await newChat();
    await handle.db.deleteFrom('chats').where('id', '=', gone).execute();
    const sends: Array<{ input: NewMessage; result: Promise<WriteResult> }> = [];
    const send = (input: NewMessage) => sends.push({ input, result: handle.messageWriter.write(input) });
    for (let i = 0; i < 60; i++) {
      for (const chatId of chats) send(message(chatId, users[i % 2]!, `${i}`));
      // The same clientId three times in one burst, and once into a chat that is gone.
      if (i === 10) for (let k = 0; k < 3; k++) send(message(chats[0]!, users[0]!, 'once', 'retry-1'));
      if (i === 20) send(message(gone, users[0]!, 'lost'));
    }
    const results = await Promise.all(sends.map((s) => s.result));

    expect(results.filter((r) => r.status === 'chat_gone')).toHaveLength(1);
    const retried = results.filter((_, i) => sends[i]!.input.clientId === 'retry-1');
    expect(retried.map((r) => r.status).sort()).toEqual(['created', 'duplicate', 'duplicate']);
    const ids = new Set(retried.map((r) => (r.status === 'created' || r.status === 'duplicate' ? r.id : 0)));
    expect(ids.size).toBe(1);

    for (const chatId of chats) {
      const stored = await handle.db.selectFrom('messages').select(['seq', 'text', 'sender_id']).where('chat_id', '=', chatId).orderBy('seq').execute();
      const count = chatId === chats[0] ? 61 : 60;
      expect(stored.map((m) => Number(m.seq))).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      // Each sender's messages in the order they were sent.
      for (const sender of users) {
        const numbers = stored.filter((m) => Number(m.sender_id) === sender && m.text !== 'once').map((m) => Number(m.text));
        expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
        expect(numbers).toHaveLength(30);
      }
      const chat = await handle.db.selectFrom('chats').select('last_seq').where('id', '=', chatId).executeTakeFirstOrThrow();
      expect(Number(chat.last_seq)).toBe(count);
      // Sending reads everything before one's own message.
      const markers = await handle.db.selectFrom('chat_members').select(['user_id', 'last_read_seq']).where('chat_id', '=', chatId).execute();
      for (const marker of markers) {
        const ownLast = Math.max(...stored.filter((m) => Number(m.sender_id) === Number(marker.user_id)).map((m) => Number(m.seq)));
        expect(Number(marker.last_read_seq)).toBe(ownLast);
      }
    }
    // Every created message's answer names its stored seq.
    for (const [i, result] of results.entries()) {
      if (result.status !== 'created') continue;
      const row = await handle.db.selectFrom('messages').select(['chat_id', 'seq']).where('id', '=', result.id).executeTakeFirstOrThrow();
      expect([Number(row.chat_id), Number(row.seq)]).toEqual([sends[i]!.input.chatId, result.seq]);
    }
  });
});
