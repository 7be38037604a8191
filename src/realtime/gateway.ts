import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Clock } from '../adapters/clock.js';
import type { PresenceStore } from '../adapters/presence-store.js';
import type { RateLimitRule } from '../config.js';
import { identify, type CredentialServices } from '../http/auth/authenticate.js';
import { sendProblem } from '../http/problem.js';
import type { HttpServer } from '../http/server.js';
import type { Principal } from '../services/auth/context.js';
import type { CredentialCache } from '../services/auth/credential-cache.js';
import type { MessageService } from '../services/chats/message-service.js';
import { DomainError } from '../services/errors.js';
import type { UsersRepository } from '../store/users-repository.js';
import type { EventBus } from '../adapters/bus/bus.js';
import { parseClientFrame, type ClientFrame } from './client-frames.js';
import { DELIVER_TOPIC, type BusDelivery, type Delivery } from './delivery.js';
import { textFrame } from './wire-frame.js';

/** Close codes (docs/REALTIME.md). */
export const CloseCode = {
  goingAway: 1001,
  unauthorized: 4401,
  tooSlow: 4008,
  tooManyFrames: 4029,
  tooManySockets: 4409,
} as const;

const TYPING_INTERVAL_MS = 2000;

export interface GatewayDeps {
  bus: EventBus;
  credentials: CredentialServices;
  cache: CredentialCache;
  messages: MessageService;
  users: UsersRepository;
  presence: PresenceStore;
  /** Who hears when a user comes online or goes offline: their friends and direct-chat partners. */
  presenceAudience: (userId: number) => Promise<number[]>;
  delivery: BusDelivery;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Origins besides the API's own whose pages may open a socket with the session cookie. */
  trustedOrigins: string[];
  settings: { heartbeatMs: number; maxBufferedBytes: number; maxFrameBytes: number; rateLimit: RateLimitRule; maxSocketsPerUser: number };
}

type Handshake = { ok: true; principal: Principal; username: string } | { ok: false; code: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** The WebSocket handshake's credential check, made before the upgrade. */
    wsHandshake?: Handshake;
  }
}

/** One open socket of one user. */
class Connection {
  alive = true;
  /** When this socket is next pinged: each socket has its own phase, so pings never come in one burst. */
  nextPingAt: number;
  framesInWindow = 0;
  windowStartedAt = 0;
  // Both maps are made on first use: most sockets only listen, and 20,000 of them are held at once.
  private typingAt?: Map<number, number>;
  /** The last send into each chat from this socket: the next one waits for it, keeping their order. */
  private sendingTo?: Map<number, Promise<unknown>>;

  constructor(
    readonly socket: WebSocket,
    /** The upgraded TCP connection under `socket`. */
    private readonly wire: Duplex,
    readonly principal: Principal,
    readonly username: string,
    private readonly maxBufferedBytes: number,
    /** Called once, as soon as the connection is closing: it gets nothing more from then on. */
    private readonly onGone: (connection: Connection) => void,
    heartbeatMs: number,
  ) {
    this.nextPingAt = Date.now() + Math.random() * heartbeatMs;
  }

  get userId() {
    return this.principal.userId;
  }

  get lastTyping(): Map<number, number> {
    return (this.typingAt ??= new Map());
  }

  get sending(): Map<number, Promise<unknown>> {
    return (this.sendingTo ??= new Map());
  }

  /**
   * Writes a complete text frame (see wire-frame.ts) straight to the connection's TCP socket,
   * unless the client has fallen so far behind that it must go (memory stays bounded). `ws` writes
   * its own frames (pings, close) synchronously to the same socket, since no extension is
   * negotiated, so the order on the wire is the order of the calls; `bufferedAmount` counts these
   * bytes too, as it reads the socket's own buffer.
   */
  send(frame: Buffer): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount + frame.length > this.maxBufferedBytes) {
      this.close(CloseCode.tooSlow, 'too slow: the outgoing buffer is full');
      return;
    }
    this.wire.write(frame);
  }

  sendFrame(frame: Record<string, unknown>): void {
    this.send(textFrame(Buffer.from(JSON.stringify(frame))));
  }

  /** A clean close, then the hard way if the peer does not answer (it may not be reading). */
  close(code: number, reason: string): void {
    this.onGone(this);
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 5000).unref();
  }
}

/**
 * The WebSocket endpoint: authenticates the handshake, keeps every socket of every user on this
 * node, delivers frames from the bus to them (serialized once per event), answers client frames,
 * and watches liveness (heartbeats), speed (bounded buffers) and abuse (frame rate).
 */
export class Gateway {
  private readonly byUser = new Map<number, Set<Connection>>();
  private heartbeat: NodeJS.Timeout | undefined;
  private presenceRefresh: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: GatewayDeps) {}

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  async start(http: HttpServer): Promise<void> {
    await this.deps.bus.subscribe(DELIVER_TOPIC, (event) => this.deliver(event as Delivery));
    this.deps.cache.onRevoked(({ sessionIds, apiTokenIds }) => {
      const sessions = new Set(sessionIds);
      const tokens = new Set(apiTokenIds);
      this.forEachConnection((c) => {
        const { sessionId, apiTokenId } = c.principal;
        if ((sessionId !== undefined && sessions.has(sessionId)) || (apiTokenId !== undefined && tokens.has(apiTokenId))) {
          c.close(CloseCode.unauthorized, 'session ended');
        }
      });
    });

    http.route({
      method: 'GET',
      url: '/api/v1/ws',
      schema: { hide: true },
      preValidation: async (request) => {
        request.wsHandshake = await this.handshake(request);
      },
      wsHandler: (socket, request) => this.accept(socket, request),
      // A plain HTTP request here is a client that forgot the upgrade: say so, as a problem.
      handler: (request, reply) => sendProblem(request, reply, { status: 426, code: 'upgrade_required', detail: 'This is the WebSocket endpoint: open it with a WebSocket client' }),
    });

    // Ticks ten times per interval; each pings only the sockets whose turn it is.
    this.heartbeat = setInterval(() => this.beat(), Math.max(100, this.deps.settings.heartbeatMs / 10));
    this.heartbeat.unref();
    this.presenceRefresh = setInterval(
      () => void this.deps.presence.refresh().catch((error: unknown) => this.deps.log.warn({ err: error }, 'presence refresh failed')),
      this.deps.settings.heartbeatMs,
    );
    this.presenceRefresh.unref();
  }

  /** Closes every socket with 1001 so clients reconnect elsewhere, and forgets their presence. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.presenceRefresh);
    this.stopping = true;
    this.forEachConnection((c) => c.close(CloseCode.goingAway, 'server shutting down'));
    this.byUser.clear();
    await this.deps.presence.clear().catch(() => {});
  }

  private async handshake(request: FastifyRequest): Promise<Handshake> {
    try {
      const principal = await identify(this.deps.credentials, request, { queryToken: true });
      // A browser sends the session cookie with any page's WebSocket: only pages of our own
      // origins may use it (cross-site WebSocket hijacking).
      if (principal.method === 'cookie' && !this.originAllowed(request)) return { ok: false, code: 'origin_not_allowed' };
      const user = await this.deps.users.findById(principal.userId);
      if (!user) return { ok: false, code: 'session_ended' };
      return { ok: true, principal, username: user.username };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: error.code };
      throw error;
    }
  }

  private originAllowed(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    return host === request.headers.host || this.deps.trustedOrigins.includes(origin);
  }

  private accept(socket: WebSocket, request: FastifyRequest): void {
    const handshake = request.wsHandshake;
    if (!handshake?.ok) {
      socket.close(CloseCode.unauthorized, handshake?.code ?? 'unauthorized');
      return;
    }
    const connection = new Connection(socket, request.raw.socket, handshake.principal, handshake.username, this.deps.settings.maxBufferedBytes, (c) => void this.onClose(c), this.deps.settings.heartbeatMs);
    let set = this.byUser.get(connection.userId);
    if (!set) {
      set = new Set();
      this.byUser.set(connection.userId, set);
    }
    // A Set iterates in insertion order: the first is the oldest socket, the one to let go.
    for (const oldest of set) {
      if (set.size < this.deps.settings.maxSocketsPerUser) break;
      oldest.close(CloseCode.tooManySockets, 'too many open sockets for this user');
    }
    set.add(connection);

    socket.on('message', (data, isBinary) => this.receive(connection, data as Buffer, isBinary));
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('close', () => void this.onClose(connection));
    socket.on('error', () => {});

    connection.sendFrame({ type: 'ready', userId: connection.userId, heartbeatSeconds: this.deps.settings.heartbeatMs / 1000 });
    void this.deps.presence
      .connect(connection.userId)
      .then((cameOnline) => (cameOnline ? this.announcePresence(connection.userId, true, null) : undefined))
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'presence update failed'));
  }

  /** Forgets the connection (once, however it ends) and updates presence. */
  private async onClose(connection: Connection): Promise<void> {
    const set = this.byUser.get(connection.userId);
    if (!set?.delete(connection)) return;
    if (set.size === 0) this.byUser.delete(connection.userId);
    // At shutdown the node's presence is cleared whole; no one is announced offline for a restart.
    if (this.stopping) return;
    try {
      if (await this.deps.presence.disconnect(connection.userId)) {
        const now = this.deps.clock.now();
        await this.deps.users.touchLastSeen(connection.userId, now);
        await this.announcePresence(connection.userId, false, now);
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'presence update failed');
    }
  }

  private async announcePresence(userId: number, online: boolean, lastSeenAt: number | null): Promise<void> {
    const audience = await this.deps.presenceAudience(userId);
    await this.deps.delivery.send(audience, {
      type: 'presence',
      userId,
      online,
      lastSeenAt: lastSeenAt === null ? null : new Date(lastSeenAt).toISOString(),
    });
  }

  /** Hands a frame to this node's sockets of its recipients, serialized and encoded once. */
  private deliver(delivery: Delivery): void {
    let data: Buffer | undefined;
    for (const userId of delivery.to) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      data ??= textFrame(Buffer.from(JSON.stringify(delivery.frame)));
      for (const connection of set) connection.send(data);
    }
  }

  private withinRate(connection: Connection): boolean {
    const now = Date.now();
    const { max, windowMs } = this.deps.settings.rateLimit;
    if (now - connection.windowStartedAt >= windowMs) {
      connection.windowStartedAt = now;
      connection.framesInWindow = 0;
    }
    connection.framesInWindow += 1;
    if (connection.framesInWindow > max) {
      connection.close(CloseCode.tooManyFrames, 'too many frames');
      return false;
    }
    return true;
  }

  /**
   * The one boundary for everything a client sends over a socket: whatever a frame holds and
   * whatever its handling throws, the answer is an error frame or a close code, and nothing
   * escapes to the process.
   */
  private receive(connection: Connection, data: Buffer, isBinary: boolean): void {
    try {
      if (!this.withinRate(connection)) return;
      if (isBinary) {
        connection.sendFrame({ type: 'error', code: 'binary_frame', message: 'Send JSON text frames' });
        return;
      }
      this.onFrame(connection, data.toString('utf8')).catch((error: unknown) => this.frameFailed(connection, error));
    } catch (error) {
      this.frameFailed(connection, error);
    }
  }

  private async onFrame(connection: Connection, data: string): Promise<void> {
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      connection.sendFrame({ type: 'error', code: parsed.code, message: parsed.message, ...(parsed.clientId ? { clientId: parsed.clientId } : {}) });
      return;
    }
    const frame = parsed.frame;
    try {
      await this.handle(connection, frame);
    } catch (error) {
      this.frameFailed(connection, error, frame.type === 'message.send' ? frame.clientId : undefined);
    }
  }

  /** Answers a frame whose handling failed: a domain error as itself, anything else as ours. */
  private frameFailed(connection: Connection, error: unknown, clientId?: string): void {
    const withId = clientId ? { clientId } : {};
    try {
      if (error instanceof DomainError) {
        connection.sendFrame({ type: 'error', code: error.code, message: error.message, ...withId });
      } else {
        this.deps.log.error({ err: error }, 'frame handling failed');
        connection.sendFrame({ type: 'error', code: 'internal_error', message: 'Something went wrong on our side', ...withId });
      }
    } catch (sendError) {
      this.deps.log.error({ err: sendError }, 'could not answer a failed frame');
    }
  }

  private async handle(connection: Connection, frame: ClientFrame): Promise<void> {
    const { messages } = this.deps;
    switch (frame.type) {
      case 'ping':
        connection.sendFrame({ type: 'pong' });
        return;
      case 'message.send': {
        const { chatId, type: _type, ...input } = frame;
        // Messages one socket sends into one chat are stored in the order they were sent, even
        // when the client does not wait for each ack.
        const previous = connection.sending.get(chatId);
        const sending = (previous ? previous.catch(() => {}) : Promise.resolve()).then(() => messages.send(connection.userId, chatId, input));
        connection.sending.set(chatId, sending);
        try {
          const { message } = await sending;
          connection.sendFrame({ type: 'message.ack', clientId: frame.clientId ?? null, chatId, id: message.id, seq: message.seq });
        } finally {
          if (connection.sending.get(chatId) === sending) connection.sending.delete(chatId);
        }
        return;
      }
      case 'typing': {
        const now = Date.now();
        if (now - (connection.lastTyping.get(frame.chatId) ?? 0) < TYPING_INTERVAL_MS) return;
        connection.lastTyping.set(frame.chatId, now);
        await messages.typing(connection.userId, connection.username, frame.chatId);
        return;
      }
      case 'read':
        await messages.markRead(connection.userId, frame.chatId, frame.seq);
        return;
    }
  }

  /** Pings the sockets whose turn it is; one that did not answer its previous ping is gone. */
  private beat(): void {
    const now = Date.now();
    const interval = this.deps.settings.heartbeatMs;
    this.forEachConnection((c) => {
      if (c.nextPingAt > now) return;
      if (!c.alive) {
        c.socket.terminate();
        return;
      }
      c.alive = false;
      c.nextPingAt = now + interval;
      c.socket.ping();
    });
  }

  private forEachConnection(fn: (connection: Connection) => void): void {
    for (const set of this.byUser.values()) for (const connection of [...set]) fn(connection);
  }
}
