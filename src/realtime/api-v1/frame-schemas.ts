import { Type, type TObject, type TSchema } from 'typebox';
import { Chat, Member, Message } from '../../views/chats.js';
import { Person } from '../../views/people.js';
import { CommentView, PostPersonView, PostView } from '../../views/posts.js';
import { Id, NullableTimestamp } from '../../views/scalars.js';

/**
 * Every frame the server sends on `/api/v1/ws`, as a schema: the source of the AsyncAPI document
 * (asyncapi.ts), and what the contract test checks each frame the server really sends against.
 * They follow the views the frames are built from (frames.ts), so the REST and socket shapes stay one.
 */

export const SyncToken = Type.String({ pattern: '^[0-9]+$', description: 'Where this event is in the sync log: keep the last one, and reconnect or `GET /sync` with it' });

/** A chat in an event: one object for every recipient, so no per-member fields. */
export const SharedChat = Type.Omit(Chat, ['myRole', 'lastReadSeq', 'unreadCount', 'othersReadSeq'], { description: 'A chat without the per-member fields (`myRole`, `lastReadSeq`, `unreadCount`, `othersReadSeq`)' });

/** A kept event's frame: its fields, and the token that places it in the sync log. */
const kept = <T extends Record<string, TSchema>>(type: string, description: string, fields: T, example: Record<string, unknown>) =>
  Type.Object({ type: Type.Literal(type), ...fields, syncToken: SyncToken }, { additionalProperties: false, description, examples: [{ type, ...example, syncToken: '1042' }] });

/** A frame of the moment, or an answer to the client: never kept, no token. */
const passing = <T extends Record<string, TSchema>>(type: string, description: string, fields: T, example: Record<string, unknown>) =>
  Type.Object({ type: Type.Literal(type), ...fields }, { additionalProperties: false, description, examples: [{ type, ...example }] });

const ChatId = Id;

export const ServerFrames: Record<string, TObject> = {
  ready: Type.Object(
    {
      type: Type.Literal('ready'),
      userId: Id,
      heartbeatSeconds: Type.Integer({ minimum: 1 }),
      syncToken: Type.Optional(SyncToken),
    },
    {
      additionalProperties: false,
      description: 'The first frame. `syncToken` (absent when the socket was opened with `?since=`) is "now": keep it.',
      examples: [{ type: 'ready', userId: 42, heartbeatSeconds: 25, syncToken: '1042' }],
    },
  ),
  synced: passing(
    'synced',
    'After `ready` on a socket opened with `?since=`: the missed events were replayed, live ones follow. Keep its token.',
    { replayed: Type.Integer({ minimum: 0 }), syncToken: SyncToken },
    { replayed: 12, syncToken: '1055' },
  ),
  'message.created': kept('message.created', 'A new message in one of my chats.', { chatId: ChatId, message: Message }, { chatId: 7, message: { id: 981, seq: 57 } }),
  'message.updated': kept('message.updated', 'A message was edited: the whole message after the edit.', { chatId: ChatId, message: Message }, { chatId: 7, message: { id: 981, seq: 57 } }),
  'message.deleted': kept('message.deleted', 'A message was deleted; it stays in history as a tombstone.', { chatId: ChatId, messageId: Id, seq: Type.Integer({ minimum: 1 }) }, { chatId: 7, messageId: 981, seq: 57 }),
  'reaction.updated': kept(
    'reaction.updated',
    'Someone added or took back a reaction; `count` is how many now react with that emoji.',
    { chatId: ChatId, messageId: Id, emoji: Type.String(), count: Type.Integer({ minimum: 0 }), userId: Id, added: Type.Boolean() },
    { chatId: 7, messageId: 981, emoji: '👍', count: 3, userId: 42, added: true },
  ),
  'read.updated': kept('read.updated', 'A member’s read marker moved forward.', { chatId: ChatId, userId: Id, lastReadSeq: Type.Integer({ minimum: 0 }) }, { chatId: 7, userId: 42, lastReadSeq: 57 }),
  'chat.created': kept('chat.created', 'I created a chat, someone opened a direct chat with me, or I was added to a group.', { chat: SharedChat }, { chat: { id: 7, type: 'group', name: 'Climbing' } }),
  'chat.updated': kept('chat.updated', 'A chat was renamed, or its owner or a role changed.', { chat: SharedChat }, { chat: { id: 7, type: 'group', name: 'Bouldering' } }),
  'chat.deleted': kept('chat.deleted', 'A group was deleted.', { chatId: ChatId }, { chatId: 7 }),
  'member.added': kept('member.added', 'People were added to a group (the new ones also get `chat.created`).', { chatId: ChatId, members: Type.Array(Member) }, { chatId: 7, members: [{ id: 51, username: 'cai', role: 'member' }] }),
  'member.removed': kept('member.removed', 'Someone left or was removed; when it is me, nothing more of this chat follows.', { chatId: ChatId, userId: Id }, { chatId: 7, userId: 51 }),
  'friend.request': kept(
    'friend.request',
    'A friend request between me and `user`: `outgoing` when I asked, `incoming` when they did.',
    { direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]), user: Person },
    { direction: 'incoming', user: { id: 42, username: 'ann' } },
  ),
  'friend.added': kept('friend.added', 'A request was accepted: `user` is my new friend.', { user: Person }, { user: { id: 42, username: 'ann' } }),
  'friend.removed': kept('friend.removed', 'A friendship or a pending request ended (either side, a block, or a deleted account).', { userId: Id }, { userId: 42 }),
  'block.added': kept('block.added', 'I blocked someone (from any of my devices); they are not told.', { userId: Id }, { userId: 51 }),
  'block.removed': kept('block.removed', 'I lifted a block (from any of my devices).', { userId: Id }, { userId: 51 }),
  'post.created': kept('post.created', 'A friend published a post.', { post: PostView }, { post: { id: 7, text: 'Sunset at the pier' } }),
  'post.liked': kept('post.liked', 'Someone liked my post; `likeCount` is the count after it.', { postId: Id, user: PostPersonView, likeCount: Type.Integer({ minimum: 0 }) }, { postId: 7, user: { id: 43, username: 'bob' }, likeCount: 12 }),
  'comment.created': kept('comment.created', 'Someone commented on my post.', { postId: Id, comment: CommentView }, { postId: 7, comment: { id: 90, text: 'nice' } }),
  typing: passing('typing', 'A member is typing (sent again every few seconds while they do); not kept.', { chatId: ChatId, userId: Id, username: Type.String() }, { chatId: 7, userId: 42, username: 'ann' }),
  presence: passing(
    'presence',
    'A friend or direct-chat partner came online or went offline; not kept.',
    { userId: Id, online: Type.Boolean(), lastSeenAt: NullableTimestamp },
    { userId: 42, online: false, lastSeenAt: '2026-11-24T09:40:00.000Z' },
  ),
  'message.ack': passing(
    'message.ack',
    'My `message.send` was stored: its id and seq (a repeated `clientId` acknowledges the first message).',
    { clientId: Type.Union([Type.String(), Type.Null()]), chatId: ChatId, id: Id, seq: Type.Integer({ minimum: 1 }) },
    { clientId: 'c-5f2a', chatId: 7, id: 981, seq: 57 },
  ),
  error: passing(
    'error',
    'A client frame could not be carried out; `code` is from docs/ERRORS.md, `clientId` echoes a failed `message.send`. The socket stays open.',
    { code: Type.String(), message: Type.String(), clientId: Type.Optional(Type.String()) },
    { code: 'chat_not_found', message: 'No such chat', clientId: 'c-5f2a' },
  ),
  pong: passing('pong', 'The answer to `ping`.', {}, {}),
};

/** The shapes the frames share, named in the AsyncAPI document. */
export const FrameComponents: Record<string, TSchema> = { Message, SharedChat, Member, Person, Post: PostView, Comment: CommentView, PostPerson: PostPersonView, SyncToken };
