import type { ChatMember, Message, Post, PostComment, Profile, SharedChat } from './types.js';

/**
 * Every frame the server sends on `/api/v1/ws` (docs/REALTIME.md), as a union discriminated by
 * `type`. Frames that sync keeps carry `syncToken` (absent when the server runs without sync);
 * `typing` and `presence` are of the moment and carry none.
 */

interface Kept {
  /** Where this event sits in the user's history: resume after it with `?since=`. */
  syncToken?: string;
}

/** A person as friend events show them: the public profile, without where we stand. */
export type PublicPerson = Omit<Profile, 'friendship'>;
/** The author of a post or comment, or who liked a post. */
export type PostPerson = Post['author'];

export interface MessageCreatedEvent extends Kept {
  type: 'message.created';
  chatId: number;
  /** As it was when sent; in events, `reactions` is always empty (follow `reaction.updated`). */
  message: Message;
}
export interface MessageUpdatedEvent extends Kept {
  type: 'message.updated';
  chatId: number;
  message: Message;
}
export interface MessageDeletedEvent extends Kept {
  type: 'message.deleted';
  chatId: number;
  messageId: number;
  seq: number;
}
export interface ReactionUpdatedEvent extends Kept {
  type: 'reaction.updated';
  chatId: number;
  messageId: number;
  emoji: string;
  count: number;
  userId: number;
  added: boolean;
}
export interface ReadUpdatedEvent extends Kept {
  type: 'read.updated';
  chatId: number;
  userId: number;
  lastReadSeq: number;
}
export interface TypingEvent {
  type: 'typing';
  chatId: number;
  userId: number;
  username: string;
}
export interface PresenceEvent {
  type: 'presence';
  userId: number;
  online: boolean;
  lastSeenAt: string | null;
}
export interface ChatCreatedEvent extends Kept {
  type: 'chat.created';
  chat: SharedChat;
}
export interface ChatUpdatedEvent extends Kept {
  type: 'chat.updated';
  chat: SharedChat;
}
export interface ChatDeletedEvent extends Kept {
  type: 'chat.deleted';
  chatId: number;
}
export interface MemberAddedEvent extends Kept {
  type: 'member.added';
  chatId: number;
  members: ChatMember[];
}
export interface MemberRemovedEvent extends Kept {
  type: 'member.removed';
  chatId: number;
  userId: number;
}
export interface FriendRequestEvent extends Kept {
  type: 'friend.request';
  direction: 'incoming' | 'outgoing';
  user: PublicPerson;
}
export interface FriendAddedEvent extends Kept {
  type: 'friend.added';
  user: PublicPerson;
}
export interface FriendRemovedEvent extends Kept {
  type: 'friend.removed';
  userId: number;
}
export interface BlockAddedEvent extends Kept {
  type: 'block.added';
  userId: number;
}
export interface BlockRemovedEvent extends Kept {
  type: 'block.removed';
  userId: number;
}
export interface PostCreatedEvent extends Kept {
  type: 'post.created';
  post: Post;
}
export interface PostLikedEvent extends Kept {
  type: 'post.liked';
  postId: number;
  user: PostPerson;
  likeCount: number;
}
export interface CommentCreatedEvent extends Kept {
  type: 'comment.created';
  postId: number;
  comment: PostComment;
}

/** What changed: every event a user may see, live or replayed. */
export type ServerEvent =
  | MessageCreatedEvent
  | MessageUpdatedEvent
  | MessageDeletedEvent
  | ReactionUpdatedEvent
  | ReadUpdatedEvent
  | TypingEvent
  | PresenceEvent
  | ChatCreatedEvent
  | ChatUpdatedEvent
  | ChatDeletedEvent
  | MemberAddedEvent
  | MemberRemovedEvent
  | FriendRequestEvent
  | FriendAddedEvent
  | FriendRemovedEvent
  | BlockAddedEvent
  | BlockRemovedEvent
  | PostCreatedEvent
  | PostLikedEvent
  | CommentCreatedEvent;

/** The socket's own frames: the handshake, the end of a replay, answers to what the client sent. */
export interface ReadyFrame {
  type: 'ready';
  userId: number;
  heartbeatSeconds: number;
  /** "Now", when the socket was opened without `?since=`. */
  syncToken?: string;
}
export interface SyncedFrame {
  type: 'synced';
  replayed: number;
  syncToken: string;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  clientId?: string;
}
export interface MessageAckFrame {
  type: 'message.ack';
  clientId: string;
  chatId: number;
  id: number;
  seq: number;
}
export interface PongFrame {
  type: 'pong';
}

/** Every frame the server sends. */
export type ServerFrame = ServerEvent | ReadyFrame | SyncedFrame | ErrorFrame | MessageAckFrame | PongFrame;
export type ServerFrameType = ServerFrame['type'];
/** The frame of one type: `FrameOf<'message.updated'>`. */
export type FrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;

/** The frame types that are events (kept ones carry a syncToken). */
export const EVENT_TYPES = [
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.updated',
  'read.updated',
  'typing',
  'presence',
  'chat.created',
  'chat.updated',
  'chat.deleted',
  'member.added',
  'member.removed',
  'friend.request',
  'friend.added',
  'friend.removed',
  'block.added',
  'block.removed',
  'post.created',
  'post.liked',
  'comment.created',
] as const satisfies readonly ServerEvent['type'][];

/** Whether a frame is an event the app should see (not the socket's own frames). */
export function isServerEvent(frame: { type: string }): frame is ServerEvent {
  return (EVENT_TYPES as readonly string[]).includes(frame.type);
}
