import type { MemberRecord } from '../../store/chats-repository.js';
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

/** Who is online now, on any node. */
export interface PresenceReader {
  onlineAmong(userIds: number[]): Promise<Set<number>>;
}

/**
 * Whether one user keeps another away. The social-graph module answers for real; until then
 * nobody blocks anybody. Every rule that depends on blocks asks here.
 */
export interface BlockPolicy {
  isBlockedBetween(userId: number, otherId: number): Promise<boolean>;
}

export const noBlocks: BlockPolicy = { isBlockedBetween: async () => false };
export const nobodyOnline: PresenceReader = { onlineAmong: async () => new Set() };
