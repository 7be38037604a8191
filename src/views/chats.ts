import { Avatar, avatarView } from './avatars.js';
import { Type, type Static } from 'typebox';
import type { ChatMember, ChatSummary } from '../services/chats/chat-service.js';
import type { MessageAttachment, MessageView } from '../services/chats/message-service.js';
import type { MessageDetails } from '../services/chats/ports.js';
import { NullableTimestamp, Timestamp, iso, isoOrNull } from './scalars.js';
import { Attachment, type AttachmentView } from './uploads.js';

/**
 * What leaves the API about chats and messages, over HTTP and over the WebSocket alike: one
 * shape per thing, so a client parses a message the same way wherever it comes from.
 */


/** Turns a stored file into URLs a client may fetch (signed, so they work in an <img> tag). */
export interface AttachmentLinks {
  view(attachment: MessageAttachment): AttachmentView;
}

export const Reaction = Type.Object({
  emoji: Type.String(),
  count: Type.Integer({ minimum: 1 }),
  me: Type.Boolean({ description: 'Whether you reacted with this emoji' }),
});

export const Message = Type.Object({
  id: Type.Integer(),
  chatId: Type.Integer(),
  seq: Type.Integer({ description: 'Position in the chat: 1, 2, 3… with no gaps' }),
  sender: Type.Union([Type.Object({ id: Type.Integer(), username: Type.String() }), Type.Null()], { description: 'null once the account is deleted' }),
  text: Type.Union([Type.String(), Type.Null()], { description: 'null for a deleted message, or one with only attachments' }),
  replyToId: Type.Union([Type.Integer(), Type.Null()]),
  clientId: Type.Union([Type.String(), Type.Null()], { description: 'The id the sender gave, echoed for matching' }),
  attachments: Type.Array(Attachment),
  reactions: Type.Array(Reaction),
  createdAt: Timestamp,
  editedAt: NullableTimestamp,
  deletedAt: NullableTimestamp,
});
export type MessageJson = Static<typeof Message>;

export const Member = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]),
  avatar: Avatar,
  online: Type.Boolean(),
});

const ChatFields = {
  id: Type.Integer(),
  type: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  name: Type.Union([Type.String(), Type.Null()], { description: 'null for direct chats' }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastSeq: Type.Integer(),
  memberCount: Type.Integer(),
  members: Type.Array(Member, { description: 'Up to 100, oldest first' }),
  lastMessage: Type.Union([Message, Type.Null()]),
};

/** A chat as one member sees it. */
export const Chat = Type.Object({
  ...ChatFields,
  myRole: Member.properties.role,
  lastReadSeq: Type.Integer(),
  unreadCount: Type.Integer({ description: 'lastSeq − lastReadSeq; your own messages count as read' }),
  othersReadSeq: Type.Integer({ description: 'The furthest any other member has read: your messages up to this seq have been seen. `read.updated` events move it on.' }),
});

export function messageJson(message: MessageDetails | MessageView, links: AttachmentLinks): MessageJson {
  const deleted = message.deletedAt !== null;
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    sender: message.senderId === null ? null : { id: message.senderId, username: message.senderUsername ?? '' },
    text: deleted ? null : message.text,
    replyToId: message.replyToId,
    clientId: message.clientId,
    attachments: deleted ? [] : message.attachments.map((a) => links.view(a)),
    reactions: 'reactions' in message ? message.reactions.map((r) => ({ emoji: r.emoji, count: r.count, me: r.me })) : [],
    createdAt: iso(message.createdAt),
    editedAt: isoOrNull(message.editedAt),
    deletedAt: isoOrNull(message.deletedAt),
  };
}

export function memberJson(member: ChatMember, online: Set<number>) {
  return { id: member.userId, username: member.username, role: member.role, avatar: avatarView({ ...member, id: member.userId }), online: online.has(member.userId) };
}

export function sharedChatJson(chat: ChatSummary, links: AttachmentLinks) {
  const online = new Set(chat.online);
  return {
    id: chat.id,
    type: chat.kind,
    name: chat.name,
    createdAt: iso(chat.createdAt),
    updatedAt: iso(chat.updatedAt),
    lastSeq: chat.lastSeq,
    memberCount: chat.memberCount,
    members: chat.members.map((m) => memberJson(m, online)),
    lastMessage: chat.lastMessage ? messageJson(chat.lastMessage, links) : null,
  };
}

export function chatJson(chat: ChatSummary, links: AttachmentLinks) {
  return {
    ...sharedChatJson(chat, links),
    myRole: chat.role,
    lastReadSeq: chat.lastReadSeq,
    unreadCount: Math.max(0, chat.lastSeq - chat.lastReadSeq),
    othersReadSeq: chat.othersReadSeq,
  };
}
