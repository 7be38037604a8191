import type { Clock } from '../../adapters/clock.js';
import type { ChatsRepository, MembershipRecord } from '../../store/chats-repository.js';
import type { AttachmentRecord, HistoryQuery, MessageRecord, MessagesRepository, ReactionSummary } from '../../store/messages-repository.js';
import type { UsersRepository } from '../../store/users-repository.js';
import { forbidden, notFound, validationError } from '../errors.js';
import type { ChatAccess } from './chat-access.js';
import { isSingleEmoji } from './emoji.js';
import type { MessageDetails } from './ports.js';

export const MAX_TEXT_LENGTH = 4000;
export const MAX_ATTACHMENTS = 10;

export interface SendInput {
  text?: string;
  replyToId?: number;
  attachmentIds?: number[];
  clientId?: string;
}

/** A file attached to a message, with the keys its URLs are signed for. */
export type MessageAttachment = AttachmentRecord;

export interface MessageView extends MessageDetails {
  reactions: ReactionSummary[];
}

export interface MessageDeps {
  /** The only way to tell members of anything: every write passes its block check. */
  access: ChatAccess;
  chats: Pick<ChatsRepository, 'findMembership' | 'markRead'>;
  users: Pick<UsersRepository, 'findById'>;
  messages: Pick<MessagesRepository, 'insert' | 'find' | 'history' | 'edit' | 'softDelete' | 'setReaction' | 'attachments' | 'reactions'>;
  clock: Clock;
}

const chatNotFound = () => notFound('chat_not_found', 'No such chat');
const messageNotFound = () => notFound('message_not_found', 'No such message in this chat');

/**
 * Messages, reactions and read markers. Every method checks that the caller belongs to the chat;
 * every write goes through `access.voice`, which also refuses it across a block in a direct chat.
 */
export class MessageService {
  constructor(private readonly deps: MessageDeps) {}

  async send(userId: number, chatId: number, input: SendInput): Promise<{ message: MessageView; created: boolean }> {
    const { messages, clock } = this.deps;
    const voice = await this.deps.access.voice(userId, chatId);
    const text = input.text?.trim() ?? '';
    const attachmentIds = [...new Set(input.attachmentIds ?? [])];
    if (!text && attachmentIds.length === 0) {
      throw validationError('empty_message', 'A message needs text or an attachment', [{ field: 'text', message: 'must not be empty without attachments' }]);
    }
    if ([...text].length > MAX_TEXT_LENGTH) {
      throw validationError('validation_failed', `A message has at most ${MAX_TEXT_LENGTH} characters`, [{ field: 'text', message: `must be at most ${MAX_TEXT_LENGTH} characters` }]);
    }
    if (input.replyToId !== undefined && !(await messages.find(chatId, input.replyToId))) {
      throw validationError('reply_not_found', 'The message replied to is not in this chat', [{ field: 'replyToId', message: 'is not a message of this chat' }]);
    }
    const sender = await this.deps.users.findById(userId);
    const result = await messages.insert({
      chatId,
      senderId: userId,
      senderUsername: sender?.username ?? '',
      text: text || null,
      replyToId: input.replyToId ?? null,
      clientId: input.clientId ?? null,
      attachmentIds,
      now: clock.now(),
    });
    if (result.status === 'chat_gone') throw chatNotFound();
    if (result.status === 'attachments_unavailable') {
      throw validationError('attachment_unavailable', 'Attach only your own uploads, each to one message', [
        { field: 'attachmentIds', message: 'must be your own uploads not yet attached' },
      ]);
    }
    const message = attachmentIds.length > 0 || result.status === 'duplicate' ? await this.details(result.message) : { ...result.message, attachments: [] };
    if (result.status === 'created') {
      await voice.publish({ type: 'message.created', message });
    }
    return { message: { ...message, reactions: [] }, created: result.status === 'created' };
  }

  async history(userId: number, chatId: number, query: HistoryQuery): Promise<MessageView[]> {
    await this.membership(userId, chatId);
    const records = await this.deps.messages.history(chatId, query);
    return this.views(records, userId);
  }

  async edit(userId: number, chatId: number, messageId: number, text: string): Promise<MessageView> {
    const voice = await this.deps.access.voice(userId, chatId);
    const message = await this.deps.messages.find(chatId, messageId);
    if (!message) throw messageNotFound();
    if (message.senderId !== userId) throw forbidden('not_author', 'Only the author can edit a message');
    if (message.deletedAt !== null) throw validationError('message_deleted', 'A deleted message cannot be edited');
    const trimmed = text.trim();
    if (!trimmed) throw validationError('empty_message', 'The text must not be empty', [{ field: 'text', message: 'must not be empty' }]);
    await this.deps.messages.edit(messageId, trimmed, this.deps.clock.now());
    const [updated] = await this.views([(await this.deps.messages.find(chatId, messageId))!], userId);
    // The event goes to everyone at once, so it leaves out whose reactions are "mine".
    const { reactions: _mine, ...shared } = updated!;
    await voice.publish({ type: 'message.updated', message: shared });
    return updated!;
  }

  /** The author, or an owner or admin of a group, deletes; a tombstone keeps the seq. */
  async delete(userId: number, chatId: number, messageId: number): Promise<void> {
    const voice = await this.deps.access.voice(userId, chatId, 'retract');
    const message = await this.deps.messages.find(chatId, messageId);
    if (!message) throw messageNotFound();
    const moderator = voice.roster.kind === 'group' && voice.roster.roles.get(userId) !== 'member';
    if (message.senderId !== userId && !moderator) throw forbidden('not_author', 'Only the author or a group admin can delete a message');
    if (message.deletedAt !== null) return;
    await this.deps.messages.softDelete(messageId, this.deps.clock.now());
    await voice.publish({ type: 'message.deleted', chatId, messageId, seq: message.seq });
  }

  async react(userId: number, chatId: number, messageId: number, emoji: string, on: boolean): Promise<ReactionSummary[]> {
    const voice = await this.deps.access.voice(userId, chatId);
    if (!isSingleEmoji(emoji)) throw validationError('invalid_emoji', 'A reaction is one emoji', [{ field: 'emoji', message: 'must be a single emoji' }]);
    const message = await this.deps.messages.find(chatId, messageId);
    if (!message) throw messageNotFound();
    if (message.deletedAt !== null) throw validationError('message_deleted', 'A deleted message cannot get reactions');
    const count = await this.deps.messages.setReaction(messageId, userId, emoji, on, this.deps.clock.now());
    await voice.publish({ type: 'reaction.updated', chatId, messageId, emoji, count, userId, added: on });
    return this.deps.messages.reactions([messageId], userId);
  }

  /** Moves my read marker forward (never back); returns where it stands. Across a block only I hear of it. */
  async markRead(userId: number, chatId: number, seq: number): Promise<{ lastReadSeq: number; unreadCount: number }> {
    const voice = await this.deps.access.voice(userId, chatId, 'mute');
    const membership = await this.membership(userId, chatId);
    if (seq > membership.lastSeq) {
      throw validationError('seq_out_of_range', `This chat's newest message is ${membership.lastSeq}`, [{ field: 'seq', message: `must be at most ${membership.lastSeq}` }]);
    }
    const lastReadSeq = await this.deps.chats.markRead(chatId, userId, seq);
    if (lastReadSeq !== membership.lastReadSeq) {
      await voice.publish({ type: 'read.updated', chatId, userId, lastReadSeq });
    }
    return { lastReadSeq, unreadCount: Math.max(0, membership.lastSeq - lastReadSeq) };
  }

  /** Tells the other members that this user is typing; nothing is stored. */
  async typing(userId: number, username: string, chatId: number): Promise<void> {
    const voice = await this.deps.access.voice(userId, chatId);
    await voice.publish({ type: 'typing', chatId, userId, username }, { toSelf: false });
  }

  private async membership(userId: number, chatId: number): Promise<MembershipRecord> {
    const membership = await this.deps.chats.findMembership(chatId, userId);
    if (!membership) throw chatNotFound();
    return membership;
  }

  private async details(message: MessageRecord): Promise<MessageDetails> {
    return { ...message, attachments: await this.deps.messages.attachments([message.id]) };
  }

  private async views(records: MessageRecord[], viewerId: number): Promise<MessageView[]> {
    const ids = records.map((m) => m.id);
    const [attachments, reactions] = await Promise.all([this.deps.messages.attachments(ids), this.deps.messages.reactions(ids, viewerId)]);
    return records.map((m) => ({
      ...m,
      attachments: attachments.filter((a) => a.messageId === m.id),
      reactions: reactions.filter((r) => r.messageId === m.id),
    }));
  }
}
