import type { RealtimeEvent } from './events.js';

/**
 * One way of speaking over a WebSocket (today's `/api/v1/ws`, later a dialect's per-conversation
 * socket). A protocol owns its routes and handshake and answers its own client frames; it opens
 * each accepted socket in the connection registry, which delivers events to it. The registry
 * renders each event once per protocol on a node, whatever the number of its sockets there.
 */
export interface Protocol {
  /** Names the protocol in logs. */
  readonly name: string;
  /**
   * The event as a complete wire frame (`textFrame`, `jsonFrame`), written as is to every socket of
   * this protocol that gets it; undefined when this protocol does not show the event. `position`
   * is the event's place in the sync log, when it was recorded.
   */
  render(event: RealtimeEvent, position: number | undefined): Buffer | undefined;
}

/** What a protocol does with the frames a client sends on one socket (after the frame-rate check). */
export interface FrameReceiver {
  receive(data: Buffer, isBinary: boolean): void;
}
