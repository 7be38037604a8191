import type { EventBus } from '../adapters/bus/bus.js';
import type { ChatEvent, ChatEventSink } from '../services/chats/ports.js';
import type { PostEventSink } from '../services/posts/ports.js';
import type { SocialEvent, SocialEventSink } from '../services/social/ports.js';
import type { RealtimeEvent } from './events.js';

/** The bus topic every node listens on for events to hand to its sockets. */
export const DELIVER_TOPIC = 'deliver';

/** An event and the users who should get it; each node delivers it to the sockets it holds. */
export interface Delivery {
  to: number[];
  event: RealtimeEvent;
}

/**
 * Sends chat, social and post events over the bus to every node, as domain events: each node's
 * connection registry renders them for the protocols of the sockets it holds.
 */
export class BusDelivery implements ChatEventSink, SocialEventSink, PostEventSink {
  constructor(private readonly bus: EventBus) {}

  async publish(recipients: number[], event: ChatEvent): Promise<void> {
    await this.send(recipients, event);
  }

  async notify(userId: number, event: SocialEvent): Promise<void> {
    await this.send([userId], event);
  }

  async send(to: number[], event: RealtimeEvent): Promise<void> {
    if (to.length === 0) return;
    const delivery: Delivery = { to, event };
    await this.bus.publish(DELIVER_TOPIC, delivery);
  }
}
