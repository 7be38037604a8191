import type { MessengerClient } from './client.js';
import { Emitter } from './emitter.js';
import { ApiError, RealtimeError, SessionEndedError } from './errors.js';
import { isServerEvent, type ErrorFrame, type FrameOf, type MessageAckFrame, type MessageCreatedEvent, type ServerEvent, type ServerFrame, type ServerFrameType } from './events.js';
import { memorySyncTokenStore, type SyncTokenStore } from './storage.js';

/**
 * The part of a WebSocket the client uses: the browser's `WebSocket` and the `ws` package's both
 * fit. Node 20 has no global WebSocket, so pass `ws`'s there.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface RealtimeOptions {
  /** The WebSocket class; `globalThis.WebSocket` by default (browsers, Node 22+). In Node 20: `import WebSocket from 'ws'`. */
  WebSocket?: WebSocketConstructor;
  /** Where the last sync token is kept, so a restarted app catches up from where it was; in memory by default. */
  syncTokenStore?: SyncTokenStore;
  /** Waits between reconnects: `initialDelayMs` doubling (`factor`) up to `maxDelayMs`, each drawn between half and all of it. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number; factor?: number };
  /**
   * Resume from the last sync token (default). `false` for a server run with `SYNC_ENABLED=false`:
   * each connection then starts from now, and the app catches up by `seq` (docs/REALTIME.md).
   */
  sync?: boolean;
  /** Ping the server when it has been quiet this long, and drop a socket that stays silent twice as long; by default the `ready` frame's heartbeat. */
  heartbeatMs?: number;
}

/** Where the connection stands. */
export type RealtimeStatus =
  /** Not started, or `close()`d. */
  | 'idle'
  /** Opening a socket (or catching up over HTTP). */
  | 'connecting'
  /** Open; replaying what was missed since the last token. */
  | 'catchingUp'
  /** Caught up: events are live and queued sends have gone out. */
  | 'live'
  /** Lost the connection; reconnecting after a backoff delay. */
  | 'waiting'
  /** Signed out (4401 with no way to refresh) or replaced by another socket (4409): no more reconnects. */
  | 'stopped';

/** How an event reached the app: live, or replayed after a reconnect (in the socket's catch-up or over HTTP). */
export interface EventMeta {
  replayed: boolean;
}

export type RealtimeEvents = { [K in ServerFrameType]: [frame: FrameOf<K>, meta: EventMeta] } & {
  /** Every event (not the socket's own frames), in order, each once. */
  event: [event: ServerEvent, meta: EventMeta];
  status: [status: RealtimeStatus];
  /**
   * The sync token was too old (4410) or unknown (4400): events were lost. Drop local state and
   * reload (chats, the open chat's messages); events from the fresh token on follow. A handler
   * may return a promise: the client reconnects once it settles.
   */
  resync: [info: { reason: string; syncToken: string }];
  /** The session ended and could not be refreshed: sign in again, then `connect()`. */
  signedOut: [info: { code: string }];
  /** The socket closed; `retryInMs` is when the client tries again (absent when it will not). */
  disconnected: [info: { code: number; reason: string; retryInMs?: number }];
};

export interface SendOptions {
  replyToId?: number;
  attachmentIds?: number[];
  /** The idempotency key; one is generated when absent. A resend with the same one stores nothing new. */
  clientId?: string;
}

interface PendingSend {
  frame: { type: 'message.send'; chatId: number; clientId: string; text?: string; replyToId?: number; attachmentIds?: number[] };
  resolve: (ack: MessageAckFrame) => void;
  reject: (error: Error) => void;
  /** The socket it was last written to; unacknowledged sends go again on the next socket. */
  sentOn: WebSocketLike | null;
}

const OPEN = 1;
const DEFAULT_BACKOFF = { initialDelayMs: 500, maxDelayMs: 30_000, factor: 2 };
const CATCH_UP_PAGE = 1000;

/**
 * The live events of `/api/v1/ws` (docs/REALTIME.md), kept up across disconnects: it reconnects
 * with backoff, resumes from the last sync token so nothing is missed or seen twice, handles the
 * close codes (4401 refresh, 4410 resync, 4413 catch up over HTTP), and queues sends made while
 * offline until the connection is caught up.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  private socket: WebSocketLike | null = null;
  private state: RealtimeStatus = 'idle';
  private token: string | null = null;
  private tokenLoaded = false;
  private tokenWrites: Promise<void> = Promise.resolve();
  private attempt = 0;
  private unauthorizedInARow = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;
  private readonly pending = new Map<string, PendingSend>();
  private readonly pendingReads = new Map<number, number>();
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly store: SyncTokenStore;
  private readonly backoff: typeof DEFAULT_BACKOFF;
  private stoppedBy: Error | undefined;
  private liveWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(
    private readonly client: MessengerClient,
    private readonly options: RealtimeOptions = {},
  ) {
    super();
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) throw new Error('No WebSocket here (Node 20): pass one, e.g. `realtime({ WebSocket })` with `import WebSocket from "ws"`');
    this.WebSocketClass = WebSocketClass;
    this.store = options.syncTokenStore ?? memorySyncTokenStore();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  get status(): RealtimeStatus {
    return this.state;
  }

  /** The token of the last event handled: where the next connection resumes. */
  get syncToken(): string | null {
    return this.token;
  }

  /** Messages sent but not yet acknowledged (queued while offline, or in flight). */
  get queued(): number {
    return this.pending.size;
  }

  /**
   * Starts connecting (and keeps reconnecting until `close()`); resolves once the connection is
   * live (caught up), rejects if it stops first (signed out, replaced, or closed). Called while
   * waiting out a backoff, it tries at once (e.g. on the browser's `online` event).
   */
  connect(): Promise<void> {
    const live = new Promise<void>((resolve, reject) => {
      if (this.state === 'live') resolve();
      else this.liveWaiters.push({ resolve, reject });
    });
    if (this.state === 'idle' || this.state === 'stopped') {
      this.attempt = 0;
      this.unauthorizedInARow = 0;
      void this.open();
    } else if (this.state === 'waiting') {
      // Waiting out a backoff: try now (the app saw the network come back).
      if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      void this.open();
    }
    return live;
  }

  /**
   * Gives the socket up at once, as if the network had dropped it, and reconnects with backoff
   * (`connect()` tries at once). Call it on the browser's `offline` event: a socket whose network
   * is gone can look open until heartbeats time out. Queued and in-flight sends stay queued and go
   * once the connection is live again, each once.
   */
  dropConnection(): void {
    if (this.socket) this.abandon(this.socket, 1006, 'the network went away');
  }

  /** Closes the socket and stops reconnecting; pending sends are rejected. The sync token is kept. */
  close(): void {
    this.stop('idle', new RealtimeError('closed', 'The realtime client was closed'));
  }

  /**
   * Sends a message over the socket; resolves with the server's acknowledgement (its id and seq).
   * While offline or catching up, the send waits in order and goes out once the connection is live;
   * one that was in flight when the connection dropped goes again under the same clientId, which
   * the server stores once. Before `connect()` it waits for the connection too; once the client has
   * stopped (signed out, replaced) it is refused at once.
   */
  send(chatId: number, text: string | undefined, options: SendOptions = {}): Promise<MessageAckFrame> {
    const clientId = options.clientId ?? newClientId();
    const frame: PendingSend['frame'] = { type: 'message.send', chatId, clientId };
    if (text !== undefined) frame.text = text;
    if (options.replyToId !== undefined) frame.replyToId = options.replyToId;
    if (options.attachmentIds !== undefined) frame.attachmentIds = options.attachmentIds;
    return new Promise<MessageAckFrame>((resolve, reject) => {
      if (this.state === 'stopped' && this.stoppedBy) {
        reject(this.stoppedBy);
        return;
      }
      if (this.pending.has(clientId)) {
        reject(new RealtimeError('duplicate_client_id', 'A send with this clientId is already waiting', clientId));
        return;
      }
      const entry: PendingSend = { frame, resolve, reject, sentOn: null };
      this.pending.set(clientId, entry);
      if (this.state === 'live') this.transmit(entry);
    });
  }

  /** Tells the chat's other members I am typing; dropped while not live (typing is of the moment). Answers whether it went. */
  typing(chatId: number): boolean {
    if (this.state !== 'live' || !this.socket) return false;
    this.write({ type: 'typing', chatId });
    return true;
  }

  /** Moves my read marker in the chat to `seq`; while not live, the highest seq per chat waits for the connection. */
  read(chatId: number, seq: number): void {
    if (this.state === 'live' && this.socket) this.write({ type: 'read', chatId, seq });
    else this.pendingReads.set(chatId, Math.max(seq, this.pendingReads.get(chatId) ?? 0));
  }

  // --- the connection ---

  private setStatus(status: RealtimeStatus): void {
    if (this.state === status) return;
    this.state = status;
    this.emit('status', status);
  }

  private async open(): Promise<void> {
    this.setStatus('connecting');
    let accessToken: string | undefined;
    try {
      if (!this.tokenLoaded) {
        this.token = await this.store.load();
        this.tokenLoaded = true;
      }
      accessToken = await this.client.session.accessToken();
    } catch {
      // A store that failed to answer: try again later.
      if (this.state === 'connecting') this.scheduleReconnect(1006, 'could not read the stored tokens');
      return;
    }
    if (this.state !== 'connecting') return; // closed meanwhile
    const url = new URL(`${this.client.baseUrl}/api/v1/ws`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (accessToken) url.searchParams.set('access_token', accessToken);
    if (this.token && this.options.sync !== false) url.searchParams.set('since', this.token);
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(url.toString());
    } catch {
      this.scheduleReconnect(1006, 'could not open the socket');
      return;
    }
    this.socket = socket;
    let closed = false;
    const onClose = (code: number, reason: string) => {
      if (closed || this.socket !== socket) return;
      closed = true;
      void this.closed(socket, code, reason, accessToken);
    };
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (this.socket === socket) this.received(socket, event.data);
    });
    socket.addEventListener('close', (event: { code?: number; reason?: string }) => onClose(event.code ?? 1006, event.reason ?? ''));
    socket.addEventListener('error', () => {
      // A close event follows.
    });
  }

  private received(socket: WebSocketLike, data: unknown): void {
    this.lastFrameAt = Date.now();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer)) as ServerFrame;
    } catch {
      return;
    }
    if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') return;
    switch (frame.type) {
      case 'ready':
        this.attempt = 0;
        this.unauthorizedInARow = 0;
        this.startHeartbeat(socket, frame.heartbeatSeconds * 1000);
        this.emit('ready', frame, { replayed: false });
        if (frame.syncToken !== undefined || !this.token || this.options.sync === false) {
          // A socket without `?since=` (or a server without sync) is live at once.
          if (frame.syncToken !== undefined) this.keepToken(frame.syncToken);
          this.goLive();
        } else {
          this.setStatus('catchingUp');
        }
        return;
      case 'synced':
        this.keepToken(frame.syncToken);
        this.emit('synced', frame, { replayed: false });
        this.goLive();
        return;
      case 'message.ack':
        this.settle(frame.clientId, (entry) => entry.resolve(frame));
        this.emit('message.ack', frame, { replayed: false });
        return;
      case 'error':
        if (frame.clientId !== undefined) this.settle(frame.clientId, (entry) => entry.reject(errorOf(frame)));
        this.emit('error', frame, { replayed: false });
        return;
      case 'pong':
        this.emit('pong', frame, { replayed: false });
        return;
      default:
        if (isServerEvent(frame)) this.deliver(frame, { replayed: this.state === 'catchingUp' });
    }
  }

  /** Hands an event to the app, once: one at or before the last handled token was seen already. */
  private deliver(event: ServerEvent, meta: EventMeta): void {
    const token = 'syncToken' in event ? event.syncToken : undefined;
    if (token !== undefined && this.token !== null && !isAfter(token, this.token)) return;
    // One call for every type: the union is narrowed per handler by `on(type, …)`.
    this.emit(event.type as 'message.created', event as MessageCreatedEvent, meta);
    this.emit('event', event, meta);
    if (token !== undefined) this.keepToken(token);
  }

  private keepToken(token: string): void {
    if (this.token !== null && !isAfter(token, this.token) && token !== this.token) return;
    this.token = token;
    this.tokenWrites = this.tokenWrites.then(() => this.store.save(token)).catch(() => undefined);
  }

  private goLive(): void {
    this.setStatus('live');
    for (const entry of this.pending.values()) if (entry.sentOn !== this.socket) this.transmit(entry);
    for (const [chatId, seq] of this.pendingReads) this.write({ type: 'read', chatId, seq });
    this.pendingReads.clear();
    const waiters = this.liveWaiters;
    this.liveWaiters = [];
    for (const waiter of waiters) waiter.resolve();
  }

  private transmit(entry: PendingSend): void {
    if (!this.socket || this.socket.readyState !== OPEN) return;
    entry.sentOn = this.socket;
    this.write(entry.frame);
  }

  private write(frame: object): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private settle(clientId: string, outcome: (entry: PendingSend) => void): void {
    const entry = this.pending.get(clientId);
    if (!entry) return;
    this.pending.delete(clientId);
    outcome(entry);
  }

  private startHeartbeat(socket: WebSocketLike, serverHeartbeatMs: number): void {
    this.stopHeartbeat();
    const interval = this.options.heartbeatMs ?? (serverHeartbeatMs > 0 ? serverHeartbeatMs : 25_000);
    this.lastFrameAt = Date.now();
    this.heartbeatTimer = setInterval(() => {
      if (this.socket !== socket) return this.stopHeartbeat();
      const quiet = Date.now() - this.lastFrameAt;
      if (quiet >= 2 * interval) {
        // The peer is gone without a close: give up on this socket now rather than wait for TCP.
        this.abandon(socket, 1006, 'no answer to pings');
      } else if (quiet >= interval) {
        this.write({ type: 'ping' });
      }
    }, Math.max(50, Math.floor(interval / 2)));
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** Stops listening to a socket and handles it as closed with `code`. */
  private abandon(socket: WebSocketLike, code: number, reason: string): void {
    this.socket = null;
    try {
      socket.close(4000, reason);
    } catch {
      // already closing
    }
    void this.closed(socket, code, reason, undefined);
  }

  /** What to do after the socket closed, by its close code (docs/REALTIME.md). Never throws. */
  private async closed(socket: WebSocketLike, code: number, reason: string, usedAccessToken: string | undefined): Promise<void> {
    if (this.socket === socket) this.socket = null;
    this.stopHeartbeat();
    if (this.state === 'idle' || this.state === 'stopped') return;
    this.setStatus('connecting');
    try {
      switch (code) {
        case 4401:
          return await this.reauthenticate(code, reason, usedAccessToken);
        case 4409:
          this.emit('disconnected', { code, reason });
          return this.stop('stopped', new RealtimeError('replaced', 'Another socket of this user replaced this one'));
        case 4400:
        case 4410:
          return await this.resync(code, reason);
        case 4413:
          this.emit('disconnected', { code, reason, retryInMs: 0 });
          await this.catchUpOverHttp();
          if (this.state === 'connecting') void this.open();
          return;
        default:
          return this.scheduleReconnect(code, reason);
      }
    } catch (error) {
      if (this.state !== 'connecting') return;
      if (error instanceof SessionEndedError) return this.signOut(error.code);
      if (error instanceof ApiError && error.code === 'resync_required') {
        try {
          return await this.resync(4410, error.code);
        } catch {
          // fall through to a later try
        }
      }
      return this.scheduleReconnect(code, reason);
    }
  }

  /** 4401: the access token expired or the session ended. Refresh once; a refused refresh signs out. */
  private async reauthenticate(code: number, reason: string, used: string | undefined): Promise<void> {
    this.unauthorizedInARow += 1;
    if (this.client.session.mode === 'cookie' || this.unauthorizedInARow > 2) {
      await this.client.session.end(reason || 'unauthorized');
      return this.signOut(reason || 'unauthorized');
    }
    this.emit('disconnected', { code, reason, retryInMs: 0 });
    await this.client.session.refresh(used);
    if (this.state === 'connecting') void this.open();
  }

  /** 4410 / 4400: take a fresh token, let the app reload, and carry on from the token. */
  private async resync(code: number, reason: string): Promise<void> {
    this.emit('disconnected', { code, reason, retryInMs: 0 });
    const { nextToken } = await this.client.syncPage();
    this.token = null;
    this.keepToken(nextToken);
    await Promise.allSettled(this.emit('resync', { reason, syncToken: nextToken }));
    if (this.state === 'connecting') void this.open();
  }

  /** 4413: too much was missed for the socket to replay; page it over HTTP, then reconnect from the last token. */
  private async catchUpOverHttp(): Promise<void> {
    for (;;) {
      const page = await this.client.syncPage(this.token ?? undefined, CATCH_UP_PAGE);
      for (const event of page.events) if (isServerEvent(event)) this.deliver(event, { replayed: true });
      this.keepToken(page.nextToken);
      if (!page.hasMore || this.state !== 'connecting') return;
    }
  }

  private scheduleReconnect(code: number, reason: string): void {
    const { initialDelayMs, maxDelayMs, factor } = this.backoff;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** this.attempt);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.attempt += 1;
    this.setStatus('waiting');
    this.emit('disconnected', { code, reason, retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.state === 'waiting') void this.open();
    }, delay);
  }

  private signOut(code: string): void {
    this.emit('signedOut', { code });
    this.stop('stopped', new SessionEndedError(code));
  }

  private stop(status: 'idle' | 'stopped', error: Error): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    this.stoppedBy = status === 'stopped' ? error : undefined;
    this.setStatus(status);
    if (socket && socket.readyState <= OPEN) socket.close(1000, 'closed by the client');
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) entry.reject(error);
    const waiters = this.liveWaiters;
    this.liveWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

function errorOf(frame: ErrorFrame): RealtimeError {
  return new RealtimeError(frame.code, frame.message, frame.clientId);
}

/** Whether sync token `a` comes after `b` (tokens are decimal strings that only grow; others are taken as new). */
function isAfter(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return a !== b;
  return a.length !== b.length ? a.length > b.length : a > b;
}

function newClientId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return `c-${crypto.randomUUID()}`;
  return `c-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}
