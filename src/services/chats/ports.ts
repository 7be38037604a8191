import type { MemberRecord } from '../../store/chats-repository.js';
import type { ChatKind } from '../../store/schema.js';
import type { ChatSummary } from './chat-service.js';
import type { AttachmentRecord, MessageRecord } from '../../store/messages-repository.js';

/** A message with what is needed to show it. */
export interface MessageDetails extends MessageRecord {
  attachments: AttachmentRecord[];
}

/** Something that happened in a chat, for the members who should hear of it. */
export type ChatEvent =
  | { type: 'chat.created'; chat: ChatSummary }
  | { type: 'chat.updated'; chat: ChatSummary }
  | { type: 'chat.deleted'; chatId: number }
  | { type: 'member.added'; chatId: number; members: MemberRecord[] }
  | { type: 'member.removed'; chatId: number; userId: number }
  | { type: 'message.created'; message: MessageDetails }
  | { type: 'message.updated'; message: MessageDetails }
  | { type: 'message.deleted'; chatId: number; messageId: number; seq: number }
  | { type: 'reaction.updated'; chatId: number; messageId: number; emoji: string; count: number; userId: number; added: boolean }
  | { type: 'read.updated'; chatId: number; userId: number; lastReadSeq: number }
  | { type: 'typing'; chatId: number; userId: number; username: string };

/** Delivers chat events to users wherever they are connected (the realtime layer implements it). */
export interface ChatEventSink {
  publish(recipients: number[], event: ChatEvent): Promise<void>;
}

/** Who is online now, on any node, as the presence store counts it. */
export interface PresenceReader {
  onlineAmong(userIds: number[]): Promise<Set<number>>;
}

/**
 * Who is online as certain people may see it: a block either way hides each person's presence from
 * the other. Services show presence only through this; the social module answers.
 */
export interface PresenceView {
  /** Those of `userIds` online whom every one of `viewerIds` may see (one frame serves them all). */
  onlineAsSeenBy(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>>;
}

/** Whether one user keeps another away: a block either way. */
export interface BlockPolicy {
  isBlockedBetween(userId: number, otherId: number): Promise<boolean>;
  /** Those of `userIds` in a block, either way, with any of `viewerIds`. */
  blockedAcross(viewerIds: readonly number[], userIds: readonly number[]): Promise<Set<number>>;
}

/**
 * Whether someone may bring these people into a chat with them: never across a block, and into a
 * group only as each person's privacy settings allow. Every path that adds someone asks here.
 */
export interface AdmissionPolicy {
  /** Throws 403 (`blocked`, `group_add_not_allowed`) naming `field` and each person refused. */
  admit(adderId: number, userIds: readonly number[], chat: { kind: ChatKind; field: string }): Promise<void>;
}
