import { Type } from 'typebox';
import type { ChatService } from '../services/chats/chat-service.js';
import { MAX_ATTACHMENTS, MAX_TEXT_LENGTH, type MessageService } from '../services/chats/message-service.js';
import { validationError } from '../services/errors.js';
import { Chat, Message, Reaction, chatJson, messageJson, type AttachmentLinks } from '../views/chats.js';
import { principalOf } from './auth/authenticate.js';
import { Id, PlainText, problems } from './schemas.js';
import type { HttpServer } from './server.js';
import { decodeCursor, encodeCursor } from './cursors.js';

export interface ChatRouteDeps {
  chats: ChatService;
  messages: MessageService;
  links: AttachmentLinks;
  maxGroupMembers: number;
}

const ChatParams = Type.Object({ id: Id }, { additionalProperties: false });
const MemberParams = Type.Object({ id: Id, userId: Id }, { additionalProperties: false });
const MessageParams = Type.Object({ id: Id, messageId: Id }, { additionalProperties: false });
const ReactionParams = Type.Object({ id: Id, messageId: Id, emoji: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false });
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 50 });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const GroupName = PlainText({ minLength: 1, maxLength: 100 });
const body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) => Type.Object(properties, { additionalProperties: false });
/** What every write into a chat says about blocks. */
const blockedDirectChat = 'In a direct chat where either person blocks the other, this is refused with 403 `blocked`; the history stays readable.';

/** The chat list's cursor: the (activity, id) of the last chat of the page. */
const encodeChatCursor = (chat: { activityAt: number; id: number }) => encodeCursor([chat.activityAt, chat.id]);
function decodeChatCursor(cursor: string): { activityAt: number; id: number } {
  const [activityAt, id] = decodeCursor(cursor, ['int', 'int']);
  return { activityAt, id };
}

/** The canonical chat and message API, registered under /api/v1/chats in a signed-in scope. */
export function registerChatRoutes(app: HttpServer, deps: ChatRouteDeps): void {
  const { chats, messages, links } = deps;
  const tags = ['chats'];

  app.post(
    '',
    {
      schema: {
        tags,
        operationId: 'createChat',
        summary: 'Open a direct chat (200 with the existing one for that pair) or create a group',
        description:
          'Nobody can bring in someone they block or who blocks them (403 `blocked`), nor put into a group someone whose ' +
          '`groupAdds` is `friends` without being their friend (403 `group_add_not_allowed`); `errors` names each person refused.',
        body: Type.Union([
          body({ type: Type.Literal('direct'), memberIds: Type.Array(Id, { minItems: 1, maxItems: 1, description: 'The other person' }) }),
          body({
            type: Type.Literal('group'),
            name: GroupName,
            memberIds: Type.Array(Id, { maxItems: deps.maxGroupMembers, description: 'Members besides you; you become the owner' }),
          }),
        ]),
        response: { 200: Chat, 201: Chat, ...problems('cannot_chat_with_self', 'too_many_members', ['user_not_found', 400], 'blocked', 'group_add_not_allowed') },
      },
    },
    async (request, reply) => {
      const userId = principalOf(request).userId;
      const input = request.body;
      if (input.type === 'direct') {
        const { chat, created } = await chats.createDirect(userId, input.memberIds[0]!);
        return reply.code(created ? 201 : 200).send(chatJson(chat, links));
      }
      const chat = await chats.createGroup(userId, input.name, input.memberIds);
      return reply.code(201).send(chatJson(chat, links));
    },
  );

  app.get(
    '',
    {
      schema: {
        tags,
        operationId: 'listChats',
        summary: 'My chats, most recent activity first',
        querystring: Type.Object(
          {
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Group name, or the other person’s username' })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Chat), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...problems('invalid_cursor') },
      },
    },
    async (request) => {
      const { search, cursor, limit } = request.query;
      const page = await chats.list(principalOf(request).userId, { search, limit, after: cursor ? decodeChatCursor(cursor) : undefined });
      const last = page.at(-1);
      return { items: page.map((c) => chatJson(c, links)), nextCursor: page.length === limit && last ? encodeChatCursor(last) : null };
    },
  );

  app.get(
    '/:id',
    { schema: { tags, operationId: 'getChat', summary: 'One of my chats', params: ChatParams, response: { 200: Chat, ...problems('chat_not_found') } } },
    async (request) => chatJson(await chats.get(principalOf(request).userId, request.params.id), links),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        operationId: 'updateChat',
        summary: 'Rename a group (owner or admin) or hand ownership to another member (owner)',
        params: ChatParams,
        body: Type.Object({ name: Type.Optional(GroupName), ownerId: Type.Optional(Id) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Chat, ...problems('chat_not_found', 'direct_chat', 'not_admin', 'not_owner', 'not_a_member') },
      },
    },
    async (request) => {
      const userId = principalOf(request).userId;
      const { name, ownerId } = request.body;
      let chat = name !== undefined ? await chats.rename(userId, request.params.id, name) : undefined;
      if (ownerId !== undefined) chat = await chats.transferOwnership(userId, request.params.id, ownerId);
      return chatJson(chat!, links);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, operationId: 'deleteChat', summary: 'Delete a group (owner)', params: ChatParams, response: { 204: Type.Null(), ...problems('chat_not_found', 'direct_chat', 'not_owner') } } },
    async (request, reply) => {
      await chats.delete(principalOf(request).userId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/:id/members',
    {
      schema: {
        tags,
        operationId: 'addChatMembers',
        summary: 'Add people to a group (owner or admin)',
        description:
          'Refused, naming each person in `errors`, for someone the adder blocks or who blocks the adder (403 `blocked`) and ' +
          'for someone whose `groupAdds` is `friends` when the adder is not their friend (403 `group_add_not_allowed`).',
        params: ChatParams,
        body: body({ userIds: Type.Array(Id, { minItems: 1, maxItems: deps.maxGroupMembers }) }),
        response: { 200: Chat, ...problems('chat_not_found', 'direct_chat', 'not_admin', 'too_many_members', ['user_not_found', 400], 'blocked', 'group_add_not_allowed') },
      },
    },
    async (request) => chatJson(await chats.addMembers(principalOf(request).userId, request.params.id, request.body.userIds), links),
  );

  app.patch(
    '/:id/members/:userId',
    {
      schema: {
        tags,
        operationId: 'setChatMemberRole',
        summary: 'Make a member an admin, or an admin a member (owner)',
        params: MemberParams,
        body: body({ role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }),
        response: { 200: Chat, ...problems('chat_not_found', 'direct_chat', 'not_owner', 'member_not_found', 'owner_role') },
      },
    },
    async (request) => chatJson(await chats.setRole(principalOf(request).userId, request.params.id, request.params.userId, request.body.role), links),
  );

  app.delete(
    '/:id/members/:userId',
    {
      schema: {
        tags,
        operationId: 'removeChatMember',
        summary: 'Remove a member (owner or admin), or leave (your own id)',
        params: MemberParams,
        response: { 204: Type.Null(), ...problems('chat_not_found', 'direct_chat', 'not_admin', 'not_allowed', 'owner_must_transfer', 'member_not_found') },
      },
    },
    async (request, reply) => {
      await chats.removeMember(principalOf(request).userId, request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/:id/messages',
    {
      schema: {
        tags,
        operationId: 'listMessages',
        summary: 'Message history',
        description:
          '`before=<seq>`: older messages, newest first. `after=<seq>`: newer messages, oldest first (catching up after a reconnect). ' +
          '`offset=`: newest first, skipping that many. Without any: the newest page. Give at most one of them.',
        params: ChatParams,
        querystring: Type.Object(
          { before: Type.Optional(Seq), after: Type.Optional(Seq), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })), limit: Limit },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Message),
            nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'The seq to pass as before (or after) for the next page' }),
          }),
          ...problems('chat_not_found'),
        },
      },
    },
    async (request) => {
      const { before, after, offset, limit } = request.query;
      if ([before, after, offset].filter((v) => v !== undefined).length > 1) {
        throw validationError('validation_failed', 'Give at most one of before, after and offset', [{ field: 'before', message: 'cannot be combined with after or offset' }]);
      }
      const items = await messages.history(principalOf(request).userId, request.params.id, { before, after, offset, limit });
      const last = items.at(-1);
      return { items: items.map((m) => messageJson(m, links)), nextCursor: items.length === limit && last ? String(last.seq) : null };
    },
  );

  app.post(
    '/:id/messages',
    {
      schema: {
        tags,
        operationId: 'sendMessage',
        summary: 'Send a message (201; 200 with the first message when the clientId was already used)',
        description: blockedDirectChat,
        params: ChatParams,
        body: body({
          text: Type.Optional(Type.String({ maxLength: MAX_TEXT_LENGTH, description: `1–${MAX_TEXT_LENGTH} characters after trimming; may be empty with attachments` })),
          replyToId: Type.Optional(Id),
          attachmentIds: Type.Optional(Type.Array(Id, { maxItems: MAX_ATTACHMENTS, description: 'Ids from POST /api/v1/uploads' })),
          clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Your id for this message; a retry with the same one stores nothing new' })),
        }),
        response: { 200: Message, 201: Message, ...problems('chat_not_found', 'blocked', 'empty_message', 'reply_not_found', 'attachment_unavailable') },
      },
    },
    async (request, reply) => {
      const { message, created } = await messages.send(principalOf(request).userId, request.params.id, request.body);
      return reply.code(created ? 201 : 200).send(messageJson(message, links));
    },
  );

  app.patch(
    '/:id/messages/:messageId',
    {
      schema: {
        tags,
        operationId: 'editMessage',
        summary: 'Edit your message',
        description: blockedDirectChat,
        params: MessageParams,
        body: body({ text: Type.String({ minLength: 1, maxLength: MAX_TEXT_LENGTH }) }),
        response: { 200: Message, ...problems('chat_not_found', 'message_not_found', 'not_author', 'blocked', 'message_deleted', 'empty_message') },
      },
    },
    async (request) => messageJson(await messages.edit(principalOf(request).userId, request.params.id, request.params.messageId, request.body.text), links),
  );

  app.delete(
    '/:id/messages/:messageId',
    {
      schema: {
        tags,
        operationId: 'deleteMessage',
        summary: 'Delete a message (the author, or a group owner or admin); a tombstone stays',
        description: blockedDirectChat,
        params: MessageParams,
        response: { 204: Type.Null(), ...problems('chat_not_found', 'message_not_found', 'not_author', 'blocked') },
      },
    },
    async (request, reply) => {
      await messages.delete(principalOf(request).userId, request.params.id, request.params.messageId);
      return reply.code(204).send(null);
    },
  );

  for (const method of ['put', 'delete'] as const) {
    app[method](
      '/:id/messages/:messageId/reactions/:emoji',
      {
        schema: {
          tags,
          operationId: method === 'put' ? 'addReaction' : 'removeReaction',
          summary: method === 'put' ? 'React with an emoji (URL-encoded)' : 'Take your reaction back',
          description: blockedDirectChat,
          params: ReactionParams,
          response: { 200: Type.Object({ reactions: Type.Array(Reaction) }), ...problems('chat_not_found', 'message_not_found', 'blocked', 'invalid_emoji', 'message_deleted') },
        },
      },
      async (request) => {
        const { id, messageId, emoji } = request.params;
        const reactions = await messages.react(principalOf(request).userId, id, messageId, emoji, method === 'put');
        return { reactions: reactions.map((r) => ({ emoji: r.emoji, count: r.count, me: r.me })) };
      },
    );
  }

  app.post(
    '/:id/read',
    {
      schema: {
        tags,
        operationId: 'markChatRead',
        summary: 'Mark messages up to seq as read (the marker only moves forward)',
        description: 'Members hear of it (`read.updated`), except across a block in a direct chat, where only my own sockets do.',
        params: ChatParams,
        body: body({ seq: Seq }),
        response: { 200: Type.Object({ lastReadSeq: Type.Integer(), unreadCount: Type.Integer() }), ...problems('chat_not_found', 'seq_out_of_range') },
      },
    },
    async (request) => messages.markRead(principalOf(request).userId, request.params.id, request.body.seq),
  );
}
