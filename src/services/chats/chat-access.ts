import type { Roster } from '../../store/chat-rosters.js';
import type { ChatsRepository } from '../../store/chats-repository.js';
import { forbidden, notFound } from '../errors.js';
import type { BlockPolicy, ChatEvent, ChatEventSink } from './ports.js';

/** A member's say in a chat: whom their actions there reach. */
export interface Voice {
  roster: Roster;
  /** Tells the members who may hear this member, including the member's own other sockets unless `toSelf` is false. */
  publish(event: ChatEvent, options?: { toSelf?: boolean }): Promise<void>;
}

export interface ChatAccessDeps {
  chats: Pick<ChatsRepository, 'roster'>;
  blocks: BlockPolicy;
  events: ChatEventSink;
}

/**
 * The one gate for what members do in a chat. Message events can only be published through a
 * `Voice`, and only this gate hands one out, so no write path can reach the other person of a
 * direct chat across a block, whichever of the two blocks. Groups are not limited by blocks.
 */
export class ChatAccess {
  constructor(private readonly deps: ChatAccessDeps) {}

  /**
   * The member's voice in the chat (404 for a non-member). Across a block, `refuse` answers 403
   * `blocked`; `mute`, for changes to the member's own state (the read marker), lets the change
   * happen and tells only the member themself; `retract`, for taking back what one said (deleting a
   * message), lets it happen and tells both, as Telegram does: it removes, it says nothing new.
   */
  async voice(userId: number, chatId: number, whenBlocked: 'refuse' | 'mute' | 'retract' = 'refuse'): Promise<Voice> {
    // Cached: this is the hot path of sending and typing.
    const roster = await this.deps.chats.roster(chatId);
    if (!roster?.roles.has(userId)) throw notFound('chat_not_found', 'No such chat');
    const blocked = await this.blockedInDirectChat(userId, roster);
    if (blocked && whenBlocked === 'refuse') throw forbidden('blocked', 'One of you blocks the other: this chat is read-only');
    const audience = blocked && whenBlocked === 'mute' ? [userId] : roster.memberIds;
    return {
      roster,
      publish: (event, { toSelf = true } = {}) => this.deps.events.publish(audience.filter((id) => toSelf || id !== userId), event),
    };
  }

  private async blockedInDirectChat(userId: number, roster: Roster): Promise<boolean> {
    if (roster.kind !== 'direct') return false;
    const other = roster.memberIds.find((id) => id !== userId);
    return other !== undefined && (await this.deps.blocks.isBlockedBetween(userId, other));
  }
}
