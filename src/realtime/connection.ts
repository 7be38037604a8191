import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { SocketCounts } from '../adapters/metrics.js';
import type { RateLimitRule } from '../config.js';
import type { Principal } from '../services/auth/context.js';
import type { RealtimeEvent } from './events.js';
import type { Protocol } from './protocol.js';

/** Close codes (docs/REALTIME.md). */
export const CloseCode = {
  goingAway: 1001,
  unauthorized: 4401,
  tooSlow: 4008,
  tooManyFrames: 4029,
  tooManySockets: 4409,
  invalidSyncToken: 4400,
  resyncRequired: 4410,
  syncBacklogTooLarge: 4413,
} as const;

/** The limits every connection is held to; one object shared by all of them. */
export interface ConnectionLimits {
  maxBufferedBytes: number;
  rateLimit: RateLimitRule;
}

/** One open socket of one user, speaking one protocol. It knows no frame format. */
export class Connection {
  alive = true;
  /** Frames that arrived while the protocol was catching this socket up, with their positions. */
  private held: Array<{ frame: Buffer; position: number | undefined }> | undefined;
  private heldBytes = 0;
  /** Recorded frames at or before this position were sent in the catch-up: a late live copy is dropped. */
  private caughtUpTo = 0;
  /** The code the socket closed with: ours when we closed it, else the client's (1006 when it just went). */
  closeCode: number | undefined;
  private framesInWindow = 0;
  private windowStartedAt = 0;

  constructor(
    readonly socket: WebSocket,
    /** The upgraded TCP connection under `socket`. */
    private readonly wire: Duplex,
    readonly principal: Principal,
    readonly protocol: Protocol,
    /** Which events this socket wants (a per-conversation socket: those of its chat); all when undefined. */
    readonly accepts: ((event: RealtimeEvent) => boolean) | undefined,
    private readonly limits: ConnectionLimits,
    /** Called once, as soon as the connection is closing: it gets nothing more from then on. */
    private readonly onGone: (connection: Connection) => void,
    /** Its slot on the registry's heartbeat wheel: sockets are spread over the slots, so pings never come in one burst. */
    readonly heartbeatSlot: number,
    /** Its protocol's counts. */
    readonly counts: SocketCounts,
  ) {}

  get userId() {
    return this.principal.userId;
  }

  /**
   * Writes a complete text frame (see wire-frame.ts) straight to the connection's TCP socket,
   * unless the client has fallen so far behind that it must go (memory stays bounded). `ws` writes
   * its own frames (pings, close) synchronously to the same socket, since no extension is
   * negotiated, so the order on the wire is the order of the calls; `bufferedAmount` counts these
   * bytes too, as it reads the socket's own buffer. Returns whether the frame was written.
   */
  send(frame: Buffer, position?: number): boolean {
    if (position !== undefined && position <= this.caughtUpTo) return false;
    if (this.held) return this.hold(frame, position);
    return this.write(frame);
  }

  /**
   * From now on, live frames wait (until `release`) instead of going out: the protocol is about to
   * send what the client missed, and a live frame must come after it, and only once.
   */
  holdLive(): void {
    this.held ??= [];
  }

  /** Writes a frame now, even while live frames are held: the catch-up itself. */
  sendNow(frame: Buffer): void {
    this.write(frame);
  }

  /** Sends the held frames, but not the recorded ones at or before `caughtUpTo` (already sent), and goes live. */
  release(caughtUpTo: number): void {
    const held = this.held ?? [];
    this.held = undefined;
    this.heldBytes = 0;
    this.caughtUpTo = caughtUpTo;
    for (const { frame, position } of held) if (position === undefined || position > caughtUpTo) this.write(frame);
  }

  private hold(frame: Buffer, position: number | undefined): boolean {
    this.heldBytes += frame.length;
    // Held frames count against the same bound as the outgoing buffer.
    if (this.heldBytes > this.limits.maxBufferedBytes) {
      this.held = undefined;
      this.close(CloseCode.tooSlow, 'too slow: too many events while catching up');
      return false;
    }
    this.held!.push({ frame, position });
    return true;
  }

  private write(frame: Buffer): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount + frame.length > this.limits.maxBufferedBytes) {
      this.close(CloseCode.tooSlow, 'too slow: the outgoing buffer is full');
      return false;
    }
    this.wire.write(frame);
    this.counts.framesSent.inc();
    return true;
  }

  /** Counts a client frame; past the limit the socket is closed with 4029 and the frame dropped. */
  withinRate(): boolean {
    const now = Date.now();
    const { max, windowMs } = this.limits.rateLimit;
    if (now - this.windowStartedAt >= windowMs) {
      this.windowStartedAt = now;
      this.framesInWindow = 0;
    }
    this.framesInWindow += 1;
    if (this.framesInWindow > max) {
      if (this.closeCode === undefined) this.counts.frameRateExceeded.inc();
      this.close(CloseCode.tooManyFrames, 'too many frames');
      return false;
    }
    return true;
  }

  /** A clean close, then the hard way if the peer does not answer (it may not be reading). */
  close(code: number, reason: string): void {
    this.closeCode ??= code;
    this.onGone(this);
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }
}
