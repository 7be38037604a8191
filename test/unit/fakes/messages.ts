import type { ChatDeps } from '../../../src/services/chats/chat-service.js';
import type { MessageDeps } from '../../../src/services/chats/message-service.js';
import type { AttachmentRecord, InsertResult, MessageRecord, ReactionSummary } from '../../../src/store/messages-repository.js';

/** What the chat and message services read and write of messages. */
type MessagesPort = ChatDeps['messages'] & MessageDeps['messages'];

const notInThisSpec = (what: string) => new Error(`NoMessages: ${what} is not part of a membership or read-marker spec`);

/**
 * Message contents, for specs about membership and read markers that never look at them: every
 * read answers that there are none, and a write fails loudly rather than pretend to store.
 */
export class NoMessages implements MessagesPort {
  async latest(): Promise<MessageRecord[]> {
    return [];
  }

  async attachments(): Promise<AttachmentRecord[]> {
    return [];
  }

  async find(): Promise<MessageRecord | undefined> {
    return undefined;
  }

  async history(): Promise<MessageRecord[]> {
    return [];
  }

  async reactions(): Promise<ReactionSummary[]> {
    return [];
  }

  async insert(): Promise<InsertResult> {
    throw notInThisSpec('sending');
  }

  async edit(): Promise<void> {
    throw notInThisSpec('editing');
  }

  async softDelete(): Promise<void> {
    throw notInThisSpec('deleting');
  }

  async setReaction(): Promise<number> {
    throw notInThisSpec('reacting');
  }
}
