import type { Clock } from '../../adapters/clock.js';
import type { ChatInvitationsRepository } from '../../store/chat-invitations-repository.js';
import { notFound } from '../errors.js';
import type { ChatService, ChatSummary } from './chat-service.js';

export interface DirectInvitationsDeps {
  invitations: Pick<ChatInvitationsRepository, 'add' | 'oldest' | 'remove'>;
  chats: Pick<ChatService, 'createDirect' | 'get'>;
  clock: Clock;
}

/**
 * A direct chat started with someone is an invitation to them until they open, accept or decline
 * it (the older clients poll for it to show "X wants to talk"). The chat itself is an ordinary
 * direct chat from the start: declining only stops the asking.
 */
export class DirectInvitations {
  constructor(private readonly deps: DirectInvitationsDeps) {}

  /** Opens the direct chat with `otherId` (the existing one when there is one); a new one invites them. */
  async start(userId: number, otherId: number): Promise<{ chat: ChatSummary; created: boolean }> {
    const result = await this.deps.chats.createDirect(userId, otherId);
    if (result.created) await this.deps.invitations.add(result.chat.id, otherId, this.deps.clock.now());
    return result;
  }

  /** The chat id of the user's oldest pending invitation, or undefined. */
  pending(userId: number): Promise<number | undefined> {
    return this.deps.invitations.oldest(userId);
  }

  /** Settles the invitation to this chat (accepted, declined or opened); 404 when there is none. */
  async settle(userId: number, chatId: number): Promise<void> {
    if (!(await this.deps.invitations.remove(chatId, userId))) throw notFound('invitation_not_found', 'There is no pending invitation to this conversation');
  }

  /** Settles the invitation to this chat if there is one: opening it is accepting it. */
  async opened(userId: number, chatId: number): Promise<void> {
    await this.deps.invitations.remove(chatId, userId);
  }
}
