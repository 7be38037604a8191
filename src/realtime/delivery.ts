import type { EventBus } from '../adapters/bus/bus.js';
import type { ChatEvent, ChatEventSink } from '../services/chats/ports.js';
import type { PostEventSink } from '../services/posts/ports.js';
import type { SocialEvent, SocialEventSink } from '../services/social/ports.js';
import type { SyncRecorder } from '../services/sync/sync-recorder.js';
import { isEphemeral, type RealtimeEvent } from './events.js';

/** The bus topic every node listens on for events to hand to its sockets. */
export const DELIVER_TOPIC = 'deliver';

/**
 * An event and the users who should get it; each node delivers it to the sockets it holds. The bus
 * carries them in batches (`Delivery[]`, in order): the events recorded in one sync append travel
 * as one message.
 */
export interface Delivery {
  to: readonly number[];
  event: RealtimeEvent;
  /** Its position in the sync log (the frame's `syncToken`); none for ephemeral events. */
  position?: number;
}

/**
 * Sends chat, social and post events over the bus to every node, as domain events: each node's
 * connection registry renders them for the protocols of the sockets it holds. Events that sync
 * keeps are recorded first (`recorder`), and go out with their position.
 */
export class BusDelivery implements ChatEventSink, SocialEventSink, PostEventSink {
  private recorder: Pick<SyncRecorder, 'record'> | undefined;

  constructor(private readonly bus: EventBus) {}

  /** From now on, events other than typing and presence are recorded before they go out. */
  recordWith(recorder: Pick<SyncRecorder, 'record'>): void {
    this.recorder = recorder;
  }

  async publish(recipients: number[], event: ChatEvent): Promise<void> {
    await this.send(recipients, event);
  }

  async notify(userId: number, event: SocialEvent): Promise<void> {
    await this.send([userId], event);
  }

  async send(to: number[], event: RealtimeEvent): Promise<void> {
    if (to.length === 0) return;
    if (this.recorder && !isEphemeral(event)) await this.recorder.record(to, event);
    else await this.deliver([{ to, event }]);
  }

  /** Puts events on the bus as they are, in one message, with the positions the recorder gave them. */
  async deliver(batch: readonly Delivery[]): Promise<void> {
    await this.bus.publish(DELIVER_TOPIC, batch);
  }
}
