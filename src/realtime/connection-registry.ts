import type { FastifyBaseLogger } from 'fastify';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { EventBus } from '../adapters/bus/bus.js';
import type { Clock } from '../adapters/clock.js';
import type { RealtimeMetrics, SocketCounts } from '../adapters/metrics.js';
import type { PresenceStore } from '../adapters/presence-store.js';
import type { RateLimitRule } from '../config.js';
import type { Principal } from '../services/auth/context.js';
import type { Revoked } from '../services/auth/credential-cache.js';
import { CloseCode, Connection, type ConnectionLimits } from './connection.js';
import { DELIVER_TOPIC, type BusDelivery, type Delivery } from './delivery.js';
import type { RealtimeEvent } from './events.js';
import type { FrameReceiver, Protocol } from './protocol.js';

export interface ConnectionRegistryDeps {
  bus: EventBus;
  /** Where presence announcements are published. */
  delivery: BusDelivery;
  presence: PresenceStore;
  /** Who hears when a user comes online or goes offline. */
  presenceAudience: (userId: number) => Promise<number[]>;
  /** Tells of ended sessions and revoked tokens, on every node. */
  revocations: { onRevoked(listener: (revoked: Revoked) => void): void };
  touchLastSeen: (userId: number, at: number) => Promise<void>;
  clock: Clock;
  log: FastifyBaseLogger;
  metrics: RealtimeMetrics;
  settings: { heartbeatMs: number; maxBufferedBytes: number; rateLimit: RateLimitRule; maxSocketsPerUser: number };
}

/** What a protocol says about a socket it accepted. */
export interface OpenOptions {
  principal: Principal;
  protocol: Protocol;
  /** Which events the socket wants; a cheap check, made per socket per event. All when undefined. */
  accepts?: (event: RealtimeEvent) => boolean;
  /** Makes the protocol's handler of this socket's client frames. */
  receiver: (connection: Connection) => FrameReceiver;
}

type Index = Map<number, Set<Connection>>;

function addTo(index: Index, key: number, connection: Connection): Set<Connection> {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(connection);
  return set;
}

function removeFrom(index: Index, key: number | undefined, connection: Connection): boolean {
  if (key === undefined) return false;
  const set = index.get(key);
  if (!set?.delete(connection)) return false;
  if (set.size === 0) index.delete(key);
  return true;
}

/** A hundredth of the heartbeat interval, and not under 50 ms (tests run with short intervals). */
const tickMs = (heartbeatMs: number) => Math.max(50, heartbeatMs / 100);

/**
 * Every open socket on this node, of every protocol: by user and by the session or token that
 * opened it. It delivers the bus's events to them (rendered once per protocol), watches liveness
 * (heartbeats), speed (bounded buffers) and abuse (frame rate), closes the sockets of an ended
 * session, keeps presence, and closes everything with 1001 at shutdown. It knows no frame format.
 */
export class ConnectionRegistry {
  private readonly byUser: Index = new Map();
  private readonly bySession: Index = new Map();
  private readonly byApiToken: Index = new Map();
  private readonly limits: ConnectionLimits;
  /** Each protocol's counts, bound once. */
  private readonly counts = new Map<Protocol, SocketCounts>();
  /**
   * The heartbeat's wheel: every socket sits in one slot, chosen at random, and each tick pings the
   * sockets of the next slot. A turn of the wheel is one heartbeat interval; a tick is a hundredth
   * of it, so pinging never holds the event loop for more than a hundredth of the sockets.
   */
  private readonly wheel: Array<Set<Connection>>;
  private wheelTick = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private presenceRefresh: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(private readonly deps: ConnectionRegistryDeps) {
    this.limits = { maxBufferedBytes: deps.settings.maxBufferedBytes, rateLimit: deps.settings.rateLimit };
    const slots = Math.max(1, Math.round(deps.settings.heartbeatMs / tickMs(deps.settings.heartbeatMs)));
    this.wheel = Array.from({ length: slots }, () => new Set<Connection>());
    deps.metrics.watchConnections(() => this.countByProtocol());
  }

  get connectionCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Open sockets by protocol name; walks them all, so only for a metrics scrape. */
  private countByProtocol(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const set of this.byUser.values()) for (const c of set) counts.set(c.protocol.name, (counts.get(c.protocol.name) ?? 0) + 1);
    return counts;
  }

  async start(): Promise<void> {
    const { bus, revocations, presence, log, settings } = this.deps;
    // A batch of deliveries; a lone one is what a node of an earlier version sends during an upgrade.
    await bus.subscribe(DELIVER_TOPIC, (message) => {
      if (!Array.isArray(message)) return this.deliver(message as Delivery);
      for (const delivery of message as Delivery[]) this.deliver(delivery);
    });
    revocations.onRevoked((revoked) => this.revoke(revoked));
    this.heartbeat = setInterval(() => this.beat(), tickMs(settings.heartbeatMs));
    this.heartbeat.unref();
    this.presenceRefresh = setInterval(() => void presence.refresh().catch((error: unknown) => log.warn({ err: error }, 'presence refresh failed')), settings.heartbeatMs);
    this.presenceRefresh.unref();
  }

  /** Closes every socket with 1001 so clients reconnect elsewhere, and forgets their presence. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.presenceRefresh);
    this.stopping = true;
    this.forEachConnection((c) => c.close(CloseCode.goingAway, 'server shutting down'));
    this.byUser.clear();
    for (const slot of this.wheel) slot.clear();
    this.bySession.clear();
    this.byApiToken.clear();
    await this.deps.presence.clear().catch(() => {});
  }

  /** Takes a socket a protocol accepted; from now on it gets the events of its user. */
  open(socket: WebSocket, wire: Duplex, options: OpenOptions): Connection {
    const { settings } = this.deps;
    let counts = this.counts.get(options.protocol);
    if (!counts) {
      counts = this.deps.metrics.protocol(options.protocol.name);
      this.counts.set(options.protocol, counts);
    }
    counts.opened.inc();
    const connection = new Connection(
      socket,
      wire,
      options.principal,
      options.protocol,
      options.accepts,
      this.limits,
      (c) => void this.forget(c),
      Math.floor(Math.random() * this.wheel.length),
      counts,
    );
    this.wheel[connection.heartbeatSlot]!.add(connection);
    const mine = addTo(this.byUser, connection.userId, connection);
    // A Set iterates in insertion order: the first is the oldest socket, the one to let go.
    for (const oldest of mine) {
      if (mine.size <= settings.maxSocketsPerUser) break;
      oldest.close(CloseCode.tooManySockets, 'too many open sockets for this user');
    }
    const { sessionId, apiTokenId } = connection.principal;
    if (sessionId !== undefined) addTo(this.bySession, sessionId, connection);
    if (apiTokenId !== undefined) addTo(this.byApiToken, apiTokenId, connection);

    const receiver = options.receiver(connection);
    const received = counts.framesReceived;
    socket.on('message', (data, isBinary) => {
      received.inc();
      try {
        if (connection.withinRate()) receiver.receive(data as Buffer, isBinary);
      } catch (error) {
        this.deps.log.error({ err: error, protocol: connection.protocol.name }, 'frame handling failed');
      }
    });
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('close', (code) => {
      connection.closeCode ??= code;
      void this.forget(connection);
    });
    socket.on('error', () => {});

    if (this.stopping) {
      connection.close(CloseCode.goingAway, 'server shutting down');
    } else {
      void this.deps.presence
        .connect(connection.userId)
        .then((cameOnline) => (cameOnline ? this.announcePresence(connection.userId, true, null) : undefined))
        .catch((error: unknown) => this.deps.log.warn({ err: error }, 'presence update failed'));
    }
    return connection;
  }

  /** Forgets the connection (once, however it ends) and updates presence. */
  private async forget(connection: Connection): Promise<void> {
    if (!removeFrom(this.byUser, connection.userId, connection)) return;
    this.wheel[connection.heartbeatSlot]!.delete(connection);
    this.deps.metrics.closed(connection.protocol.name, connection.closeCode ?? 1006);
    removeFrom(this.bySession, connection.principal.sessionId, connection);
    removeFrom(this.byApiToken, connection.principal.apiTokenId, connection);
    // At shutdown the node's presence is cleared whole; no one is announced offline for a restart.
    if (this.stopping) return;
    try {
      if (await this.deps.presence.disconnect(connection.userId)) {
        const now = this.deps.clock.now();
        await this.deps.touchLastSeen(connection.userId, now);
        await this.announcePresence(connection.userId, false, now);
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'presence update failed');
    }
  }

  private async announcePresence(userId: number, online: boolean, lastSeenAt: number | null): Promise<void> {
    const audience = await this.deps.presenceAudience(userId);
    await this.deps.delivery.send(audience, { type: 'presence', userId, online, lastSeenAt });
  }

  /**
   * Hands an event to this node's sockets of its recipients. Each protocol with a socket that
   * wants it renders it once, on first need; every socket of that protocol gets the same bytes.
   */
  private deliver({ to, event, position }: Delivery): void {
    // Nearly every socket speaks the same protocol as the one before it: that frame is kept at hand,
    // and the map of the others exists only once a second protocol shows up.
    let protocol: Protocol | undefined;
    let frame: Buffer | null = null;
    let others: Map<Protocol, Buffer | null> | undefined;
    let frames = 0;
    for (const userId of to) {
      const set = this.byUser.get(userId);
      if (!set) continue;
      for (const connection of set) {
        if (connection.accepts !== undefined && !connection.accepts(event)) continue;
        if (connection.protocol !== protocol) {
          if (protocol !== undefined) (others ??= new Map()).set(protocol, frame);
          protocol = connection.protocol;
          const known = others?.get(protocol);
          frame = known !== undefined ? known : this.render(protocol, event, position);
        }
        if (frame !== null && connection.send(frame, position)) frames += 1;
      }
    }
    this.deps.metrics.delivered(event.type, frames);
  }

  /** One protocol failing to render an event must not keep it from the others. */
  private render(protocol: Protocol, event: RealtimeEvent, position: number | undefined): Buffer | null {
    try {
      return protocol.render(event, position) ?? null;
    } catch (error) {
      this.deps.log.error({ err: error, protocol: protocol.name, type: event.type }, 'rendering an event failed');
      return null;
    }
  }

  /** Closes the sockets opened with an ended session or a revoked token. */
  private revoke({ sessionIds, apiTokenIds }: Revoked): void {
    const doomed: Connection[] = [];
    for (const id of sessionIds) doomed.push(...(this.bySession.get(id) ?? []));
    for (const id of apiTokenIds) doomed.push(...(this.byApiToken.get(id) ?? []));
    for (const connection of doomed) connection.close(CloseCode.unauthorized, 'session ended');
  }

  /** Pings the sockets whose turn it is; one that did not answer its previous ping is gone. */
  private beat(): void {
    const slot = this.wheel[this.wheelTick]!;
    this.wheelTick = (this.wheelTick + 1) % this.wheel.length;
    for (const c of [...slot]) {
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  private forEachConnection(fn: (connection: Connection) => void): void {
    for (const set of this.byUser.values()) for (const connection of [...set]) fn(connection);
  }
}
