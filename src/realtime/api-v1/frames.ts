import type { ChatEvent } from '../../services/chats/ports.js';
import type { SocialEvent } from '../../services/social/ports.js';
import type { PostEvent } from '../../services/posts/ports.js';
import { commentView, postPersonView, postView, type PostImageLinks } from '../../views/posts.js';
import { isoOrNull } from '../../views/scalars.js';
import { personView } from '../../views/people.js';
import { memberJson, messageJson, sharedChatJson, type AttachmentLinks } from '../../views/chats.js';
import type { PresenceEvent, RealtimeEvent } from '../events.js';

/**
 * The canonical frame of an event on `/api/v1/ws` and in `GET /sync` (documented in
 * docs/REALTIME.md), with its `syncToken` when the event was recorded.
 */
export function eventFrame(event: RealtimeEvent, links: AttachmentLinks & PostImageLinks, syncToken?: string): Record<string, unknown> {
  const frame = frameOf(event, links);
  if (syncToken !== undefined) frame.syncToken = syncToken;
  return frame;
}

function frameOf(event: RealtimeEvent, links: AttachmentLinks & PostImageLinks): Record<string, unknown> {
  switch (event.type) {
    case 'presence':
      return presenceFrame(event);
    case 'post.created':
    case 'post.liked':
    case 'comment.created':
      return postEventFrame(event, links);
    case 'friend.request':
    case 'friend.added':
    case 'friend.removed':
    case 'block.added':
    case 'block.removed':
      return socialEventFrame(event);
    default:
      return chatEventFrame(event, links);
  }
}

function chatEventFrame(event: ChatEvent, links: AttachmentLinks): Record<string, unknown> {
  switch (event.type) {
    case 'chat.created':
    case 'chat.updated':
      return { type: event.type, chat: sharedChatJson(event.chat, links) };
    case 'chat.deleted':
      return { type: event.type, chatId: event.chatId };
    case 'member.added':
      return { type: event.type, chatId: event.chatId, members: event.members.map((m) => memberJson(m, new Set())) };
    case 'member.removed':
      return { type: event.type, chatId: event.chatId, userId: event.userId };
    case 'message.created':
    case 'message.updated':
      return { type: event.type, chatId: event.message.chatId, message: messageJson(event.message, links) };
    case 'message.deleted':
      return { type: event.type, chatId: event.chatId, messageId: event.messageId, seq: event.seq };
    case 'reaction.updated':
      return {
        type: event.type,
        chatId: event.chatId,
        messageId: event.messageId,
        emoji: event.emoji,
        count: event.count,
        userId: event.userId,
        added: event.added,
      };
    case 'read.updated':
      return { type: event.type, chatId: event.chatId, userId: event.userId, lastReadSeq: event.lastReadSeq };
    case 'typing':
      return { type: event.type, chatId: event.chatId, userId: event.userId, username: event.username };
  }
}

/** A social-graph event as its one recipient sees it. */
function socialEventFrame(event: SocialEvent): Record<string, unknown> {
  switch (event.type) {
    case 'friend.request':
      return { type: event.type, direction: event.direction, user: personView(event.user, event.online) };
    case 'friend.added':
      return { type: event.type, user: personView(event.user, event.online) };
    case 'friend.removed':
    case 'block.added':
    case 'block.removed':
      return { type: event.type, userId: event.userId };
  }
}

/** A post event as its recipients see it (the author's friends, or the post's author). */
function postEventFrame(event: PostEvent, links: PostImageLinks): Record<string, unknown> {
  switch (event.type) {
    case 'post.created':
      return { type: event.type, post: postView(event.post, links) };
    case 'post.liked':
      return { type: event.type, postId: event.postId, user: postPersonView(event.user), likeCount: event.likeCount };
    case 'comment.created':
      return { type: event.type, postId: event.postId, comment: commentView(event.comment) };
  }
}

function presenceFrame(event: PresenceEvent): Record<string, unknown> {
  return { type: 'presence', userId: event.userId, online: event.online, lastSeenAt: isoOrNull(event.lastSeenAt) };
}
