import type { ChatEvent, ChatEventSink } from '../../../src/services/chats/ports.js';
import type { SocialEvent, SocialEventSink } from '../../../src/services/social/ports.js';

/** Remembers every chat event and to whom it went. */
export class RecordedChatEvents implements ChatEventSink {
  readonly sent: Array<{ recipients: number[]; event: ChatEvent }> = [];

  async publish(recipients: number[], event: ChatEvent): Promise<void> {
    this.sent.push({ recipients: [...recipients].sort((a, b) => a - b), event });
  }

  ofType<T extends ChatEvent['type']>(type: T): Array<{ recipients: number[]; event: Extract<ChatEvent, { type: T }> }> {
    return this.sent.filter((s): s is { recipients: number[]; event: Extract<ChatEvent, { type: T }> } => s.event.type === type);
  }
}

/** Remembers every social event and whom it was for. */
export class RecordedSocialEvents implements SocialEventSink {
  readonly sent: Array<{ userId: number; event: SocialEvent }> = [];

  async notify(userId: number, event: SocialEvent): Promise<void> {
    this.sent.push({ userId, event });
  }
}
