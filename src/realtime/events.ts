import type { ChatEvent } from '../services/chats/ports.js';
import type { PostEvent } from '../services/posts/ports.js';
import type { SocialEvent } from '../services/social/ports.js';

/** Someone came online (their first socket, on any node) or went offline (their last one). */
export interface PresenceEvent {
  type: 'presence';
  userId: number;
  online: boolean;
  /** Milliseconds since the epoch; null when they came online. */
  lastSeenAt: number | null;
}

/**
 * What the bus carries to every node's sockets: a domain event, plain JSON (numbers for times, no
 * Date, Set, Buffer or bigint), so it reaches another node through Redis unchanged. Each protocol
 * renders it its own way (protocol.ts).
 */
export type RealtimeEvent = ChatEvent | SocialEvent | PresenceEvent | PostEvent;

/** The chat an event belongs to, if any: what a per-conversation socket filters on. */
export function chatIdOf(event: RealtimeEvent): number | undefined {
  switch (event.type) {
    case 'chat.created':
    case 'chat.updated':
      return event.chat.id;
    case 'message.created':
    case 'message.updated':
      return event.message.chatId;
    case 'chat.deleted':
    case 'member.added':
    case 'member.removed':
    case 'message.deleted':
    case 'reaction.updated':
    case 'read.updated':
    case 'typing':
      return event.chatId;
    default:
      return undefined;
  }
}

/**
 * Events that matter only while they happen: a socket shows them, sync does not keep them.
 * Everything else is recorded (services/sync) and carries a `syncToken`.
 */
export function isEphemeral(event: RealtimeEvent): boolean {
  return event.type === 'typing' || event.type === 'presence';
}
