import { beforeEach, describe, expect, it } from 'vitest';
import { ChatAccess } from '../../../../src/services/chats/chat-access.js';
import { MessageService } from '../../../../src/services/chats/message-service.js';
import { FakeChats } from '../../fakes/chats.js';
import { FakeClock } from '../../fakes/clock.js';
import { RecordedChatEvents } from '../../fakes/events.js';
import { NoMessages } from '../../fakes/messages.js';
import { FakePeople } from '../../fakes/people.js';
import { FakeSocialGraph } from '../../fakes/social-graph.js';

const [ann, bob, cat] = [1, 2, 3];

let chats: FakeChats;
let social: FakeSocialGraph;
let events: RecordedChatEvents;
let service: MessageService;
let clock: FakeClock;

beforeEach(() => {
  const people = new FakePeople();
  for (const id of [ann, bob, cat]) people.add(id);
  chats = new FakeChats(people);
  social = new FakeSocialGraph(people);
  events = new RecordedChatEvents();
  clock = new FakeClock();
  service = new MessageService({
    access: new ChatAccess({ chats, blocks: social, events }),
    chats,
    users: { findById: async () => undefined },
    messages: new NoMessages(),
    clock,
  });
});

/** A direct chat of ann and bob holding `messages` messages. */
async function directChat(messages: number): Promise<number> {
  const { chatId } = await chats.findOrCreateDirect(ann, bob, clock.now());
  chats.post(chatId, messages);
  return chatId;
}

const reads = () => events.ofType('read.updated').map(({ recipients, event }) => [event.userId, event.lastReadSeq, recipients]);

describe('read markers', () => {
  it('move forward, count what is left unread, and tell every member', async () => {
    const chatId = await directChat(10);
    await expect(service.markRead(ann, chatId, 4)).resolves.toEqual({ lastReadSeq: 4, unreadCount: 6 });
    await expect(service.markRead(ann, chatId, 10)).resolves.toEqual({ lastReadSeq: 10, unreadCount: 0 });
    expect(reads()).toEqual([[ann, 4, [ann, bob]], [ann, 10, [ann, bob]]]);
  });

  it('never move backward: an older seq answers where the marker stands and tells nobody', async () => {
    const chatId = await directChat(10);
    await service.markRead(ann, chatId, 7);
    await expect(service.markRead(ann, chatId, 3)).resolves.toEqual({ lastReadSeq: 7, unreadCount: 3 });
    await expect(service.markRead(ann, chatId, 7)).resolves.toEqual({ lastReadSeq: 7, unreadCount: 3 });
    await expect(service.markRead(ann, chatId, 0)).resolves.toEqual({ lastReadSeq: 7, unreadCount: 3 });
    expect(reads()).toEqual([[ann, 7, [ann, bob]]]);
  });

  it('are each member’s own', async () => {
    const chatId = await directChat(5);
    await service.markRead(ann, chatId, 5);
    await expect(service.markRead(bob, chatId, 2)).resolves.toEqual({ lastReadSeq: 2, unreadCount: 3 });
  });

  it('refuse a seq past the newest message, naming the newest', async () => {
    const chatId = await directChat(3);
    await expect(service.markRead(ann, chatId, 4)).rejects.toMatchObject({
      kind: 'validation',
      code: 'seq_out_of_range',
      details: { fields: [{ field: 'seq', message: 'must be at most 3' }] },
    });
    chats.post(chatId);
    await expect(service.markRead(ann, chatId, 4)).resolves.toEqual({ lastReadSeq: 4, unreadCount: 0 });
  });

  it('stay at zero, quietly, in a chat with no messages', async () => {
    const chatId = await directChat(0);
    await expect(service.markRead(ann, chatId, 0)).resolves.toEqual({ lastReadSeq: 0, unreadCount: 0 });
    expect(events.sent).toEqual([]);
  });

  it('answer 404 to someone outside the chat, and for a chat that does not exist', async () => {
    const chatId = await directChat(3);
    await expect(service.markRead(cat, chatId, 1)).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
    await expect(service.markRead(ann, 999, 1)).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
    expect(events.sent).toEqual([]);
  });

  it('still move across a block in a direct chat, whoever blocks, but only the reader hears of it', async () => {
    const chatId = await directChat(6);
    await social.block(bob, ann, 0);
    await expect(service.markRead(ann, chatId, 2)).resolves.toEqual({ lastReadSeq: 2, unreadCount: 4 });
    await expect(service.markRead(bob, chatId, 6)).resolves.toEqual({ lastReadSeq: 6, unreadCount: 0 });
    expect(reads()).toEqual([[ann, 2, [ann]], [bob, 6, [bob]]]);
  });

  it('reach every member of a group, blocks or not', async () => {
    const chatId = await chats.createGroup(ann, 'Team', [bob, cat], clock.now());
    chats.post(chatId, 2);
    await social.block(cat, ann, 0);
    await service.markRead(ann, chatId, 2);
    expect(reads()).toEqual([[ann, 2, [ann, bob, cat]]]);
  });
});
