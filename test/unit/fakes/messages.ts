import type { AttachmentRecord, MessageRecord, MessagesRepository } from '../../../src/store/messages-repository.js';

/** A chat with no messages yet: what chat summaries read when the spec is about membership. */
export class NoMessages implements Pick<MessagesRepository, 'latest' | 'attachments'> {
  async latest(): Promise<MessageRecord[]> {
    return [];
  }

  async attachments(): Promise<AttachmentRecord[]> {
    return [];
  }
}
