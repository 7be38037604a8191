import type { ChatEvent, ChatEventSink } from '../services/chats/ports.js';
import type { SocialEvent, SocialEventSink } from '../services/social/ports.js';
import type { AttachmentLinks } from '../views/chats.js';
import type { EventBus } from '../adapters/bus/bus.js';
import { chatEventFrame, socialEventFrame } from './frames.js';

/** The bus topic every node listens on for frames to hand to its sockets. */
export const DELIVER_TOPIC = 'deliver';

/** A frame and the users who should get it; each node delivers to the sockets it holds. */
export interface Delivery {
  to: number[];
  frame: Record<string, unknown>;
}

/** Turns chat and social events into frames once, and sends them over the bus to every node. */
export class BusDelivery implements ChatEventSink, SocialEventSink {
  constructor(
    private readonly bus: EventBus,
    private readonly links: AttachmentLinks,
  ) {}

  async publish(recipients: number[], event: ChatEvent): Promise<void> {
    await this.send(recipients, chatEventFrame(event, this.links));
  }

  async notify(userId: number, event: SocialEvent): Promise<void> {
    await this.send([userId], socialEventFrame(event));
  }

  async send(to: number[], frame: Record<string, unknown>): Promise<void> {
    if (to.length === 0) return;
    const delivery: Delivery = { to, frame };
    await this.bus.publish(DELIVER_TOPIC, delivery);
  }
}
