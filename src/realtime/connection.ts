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
} as const;

/** The limits every connection is held to; one object shared by all of them. */
export interface ConnectionLimits {
  maxBufferedBytes: number;
  rateLimit: RateLimitRule;
}

/** One open socket of one user, speaking one protocol. It knows no frame format. */
export class Connection {
  alive = true;
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
    /** When this socket is next pinged: each socket has its own phase, so pings never come in one burst. */
    public nextPingAt: number,
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
  send(frame: Buffer): boolean {
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
