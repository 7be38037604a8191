/**
 * The load generator's child process (started by ws-load.ts): holds plain `ws` client sockets and,
 * on command, sends messages through some of them while every socket counts and times what it
 * receives. Per received frame it does a prefix compare and parses three numbers, no JSON, so that
 * the clients stay cheap next to the server they share the machine with.
 *
 * A socket speaks our JSON frames or Socket.IO 4's packets (see WireProtocol). For Socket.IO it
 * does the little a client must: `40` (join the main namespace) on the server's open packet `0{…}`,
 * `3` at once for every engine.io ping `2`; events come and go as `42["name",{…}]`.
 *
 * Fan-out messages carry `~step~sentAt~n~` as their text: the step they belong to, the sender's
 * clock (all processes read the same machine clock), and a per-chat counter to spot reordering.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { createHistogram, record } from './latency.js';
import type {
  CloseCounts,
  ConnectionSpec,
  ConnectResult,
  WireProtocol,
  FanoutResult,
  LoadCommand,
  LoadReply,
  LoadRequest,
  PersistResult,
  StatusResult,
} from './ws-load.js';

const origin = performance.timeOrigin;
const now = () => origin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  socket: WebSocket;
  spec: ConnectionSpec;
  protocol: WireProtocol;
  frames: FramePrefixes;
  /** The step and counter of the last fan-out delivery seen, for the ordering check. */
  step: number;
  lastN: number;
  /** Persisted sends: clientId → sent at; counters; (n, seq) of each ack. */
  pending: Map<string, number>;
  nextN: number;
  acked: [number, number][];
}

const clients: Client[] = [];
/** Sockets per chat in this process: each fan-out message is due once to each. */
const membersByChat = new Map<number, number>();
const closes: CloseCounts = {};
let openCount = 0;
/**
 * When the server last pinged many of these sockets at once (a heartbeat burst: at least 30 % of
 * them, and 50, within a second), on this clock; 0 if never. Pings spread over the interval make
 * no burst, even while the sockets' own phases still follow how fast they connected.
 */
let lastBurstAt = 0;
let pingBucketStart = 0;
let pingsInBucket = 0;
/** When the last connect command finished. */
let connectedAt = 0;

function onPing(): void {
  const at = now();
  if (at - pingBucketStart > 1000) {
    pingBucketStart = at;
    pingsInBucket = 0;
  }
  pingsInBucket += 1;
  if (pingsInBucket >= Math.max(50, openCount * 0.3)) lastBurstAt = at;
}

/** How a received frame starts, by what it is. */
interface FramePrefixes {
  created: Buffer;
  ack: Buffer;
  error: Buffer;
}

const FRAME_PREFIXES: Record<WireProtocol, FramePrefixes> = {
  messenger: { created: Buffer.from('{"type":"message.created"'), ack: Buffer.from('{"type":"message.ack"'), error: Buffer.from('{"type":"error"') },
  // Socket.IO has no error event; a refused namespace connection (CONNECT_ERROR) is the nearest.
  'socket.io': { created: Buffer.from('42["message.created"'), ack: Buffer.from('42["message.ack"'), error: Buffer.from('44') },
};
/** Engine.io packets: the server's open (`0{…}`) and ping (`2`); Socket.IO's CONNECT answer (`40{…}`). */
const ENGINE_IO_OPEN = 0x30;
const ENGINE_IO_PING = 0x32;
const SOCKET_IO_CONNECTED = Buffer.from('40');
const TILDE = 0x7e;
const startsWith = (data: Buffer, prefix: Buffer) => data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

// --- what the sockets are doing now ---------------------------------------------------------------
let mode: 'idle' | 'fanout' | 'persist' = 'idle';
const fan = {
  step: 0,
  received: 0,
  late: 0,
  outOfOrder: 0,
  acks: 0,
  errors: 0,
  firstError: undefined as string | undefined,
  lastReceiveAt: 0,
  frameBytes: 0,
  histogram: createHistogram(),
};
const persisted = {
  tag: '',
  measuring: false,
  stopping: false,
  measureStart: 0,
  acked: 0,
  errors: 0,
  firstError: undefined as string | undefined,
  histogram: createHistogram(),
};

function onFrame(client: Client, data: Buffer): void {
  const { created, ack, error } = client.frames;
  if (mode === 'fanout') {
    if (startsWith(data, created)) {
      const a = data.indexOf(TILDE);
      if (a === -1) return;
      const b = data.indexOf(TILDE, a + 1);
      const c = data.indexOf(TILDE, b + 1);
      const d = data.indexOf(TILDE, c + 1);
      if (d === -1) return;
      const at = now();
      const step = Number(data.toString('latin1', a + 1, b));
      if (step !== fan.step) {
        fan.late += 1;
        return;
      }
      const sentAt = Number(data.toString('latin1', b + 1, c));
      const n = Number(data.toString('latin1', c + 1, d));
      fan.received += 1;
      fan.lastReceiveAt = at;
      fan.frameBytes = data.length;
      record(fan.histogram, at - sentAt);
      if (client.step !== step) {
        client.step = step;
        client.lastN = -1;
      }
      if (n <= client.lastN) fan.outOfOrder += 1;
      else client.lastN = n;
    } else if (startsWith(data, ack)) {
      fan.acks += 1;
    } else if (startsWith(data, error)) {
      fan.errors += 1;
      fan.firstError ??= data.toString('utf8', 0, 300);
    }
  } else if (mode === 'persist' && (startsWith(data, ack) || startsWith(data, error))) {
    onPersistAnswer(client, data);
  }
}

// --- connect --------------------------------------------------------------------------------------
function open(url: string, spec: ConnectionSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url + spec.path, {
      headers: spec.token ? { authorization: `Bearer ${spec.token}` } : {},
      localAddress: spec.localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: 60_000,
      maxPayload: 16 * 1024 * 1024,
    });
    const protocol = spec.protocol ?? 'messenger';
    const client: Client = { socket, spec, protocol, frames: FRAME_PREFIXES[protocol], step: -1, lastN: -1, pending: new Map(), nextN: 0, acked: [] };
    let ready = false;
    socket.on('message', (data: Buffer) => {
      if (protocol === 'socket.io' && data.length === 1 && data[0] === ENGINE_IO_PING) {
        // Engine.io's heartbeat: unanswered, the server closes the socket after pingTimeout.
        socket.send('3');
        return onPing();
      }
      if (ready) return onFrame(client, data);
      if (protocol === 'socket.io') {
        if (data[0] === ENGINE_IO_OPEN) return socket.send('40');
        if (!startsWith(data, SOCKET_IO_CONNECTED)) {
          reject(new Error(`Socket.IO connect answered ${data.toString('utf8', 0, 300)}`));
          return socket.terminate();
        }
      }
      // Ready: our server's first frame is `ready`; Socket.IO's answer to the namespace connect.
      ready = true;
      openCount += 1;
      clients.push(client);
      if (spec.chatId !== undefined) membersByChat.set(spec.chatId, (membersByChat.get(spec.chatId) ?? 0) + 1);
      resolve();
    });
    socket.on('ping', onPing);
    socket.on('unexpected-response', (_request, response) => {
      reject(new Error(`handshake answered ${response.statusCode}`));
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (!ready) reject(error);
    });
    socket.on('close', (code, reason) => {
      if (!ready) {
        reject(new Error(`closed before ready: ${code} ${reason.toString()}`));
        return;
      }
      openCount -= 1;
      closes[code] = (closes[code] ?? 0) + 1;
    });
  });
}

async function connect(command: Extract<LoadCommand, { type: 'connect' }>): Promise<ConnectResult> {
  const started = now();
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  // A bounded number of handshakes in flight: the server's accept backlog is finite.
  const worker = async () => {
    while (next < command.connections.length) {
      const spec = command.connections[next++]!;
      try {
        await open(command.url, spec);
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.connections.length) }, worker));
  connectedAt = now();
  return { connected: command.connections.length - failed, failed, firstError, elapsedMs: now() - started };
}

/** A `message.send` (`text` and `clientId` need no JSON escaping). */
function messageSendFrame(protocol: WireProtocol, chatId: number, text: string, clientId: string): string {
  const fields = `"chatId":${chatId},"text":"${text}","clientId":"${clientId}"`;
  return protocol === 'socket.io' ? `42["message.send",{${fields}}]` : `{"type":"message.send",${fields}}`;
}

// --- fan-out --------------------------------------------------------------------------------------
async function fanout(command: Extract<LoadCommand, { type: 'fanout' }>): Promise<FanoutResult> {
  const senders = clients.filter((c) => c.spec.sender && c.socket.readyState === WebSocket.OPEN);
  if (senders.length === 0) throw new Error('no sender sockets');
  Object.assign(fan, { step: command.step, received: 0, late: 0, outOfOrder: 0, acks: 0, errors: 0, firstError: undefined, lastReceiveAt: 0 });
  fan.histogram = createHistogram();
  const closesBefore = { ...closes };
  const counters = new Map<number, number>();
  mode = 'fanout';
  const cpuBefore = process.cpuUsage();
  const eluBefore = performance.eventLoopUtilization();

  const total = Math.floor((command.messagesPerSecond * command.durationMs) / 1000);
  let sent = 0;
  let expected = 0;
  let cursor = 0;
  const firstSendAt = now();
  // Sends what is due by now on a short timer: the rate holds even when a tick comes late.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = now() - firstSendAt;
      const due = Math.min(total, Math.floor((command.messagesPerSecond * Math.min(elapsed, command.durationMs)) / 1000));
      while (sent < due) {
        const sender = senders[cursor++ % senders.length]!;
        const chatId = sender.spec.chatId!;
        const n = counters.get(chatId) ?? 0;
        counters.set(chatId, n + 1);
        const text = `~${command.step}~${now().toFixed(2)}~${n}~`;
        sender.socket.send(messageSendFrame(sender.protocol, chatId, text, `f${command.step}-${chatId}-${n}`));
        sent += 1;
        expected += membersByChat.get(chatId) ?? 0;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  const lastSendAt = now();

  // Drain: until everything due has arrived, or nothing more arrives for a while.
  let seen = fan.received;
  let progressAt = now();
  while (fan.received < expected && now() - lastSendAt < command.drainMaxMs) {
    await sleep(20);
    if (fan.received !== seen) {
      seen = fan.received;
      progressAt = now();
    } else if (now() - progressAt > command.drainQuietMs) {
      break;
    }
  }
  mode = 'idle';
  const cpu = process.cpuUsage(cpuBefore);
  const closesDuring: CloseCounts = {};
  for (const [code, count] of Object.entries(closes)) {
    const during = count - (closesBefore[code] ?? 0);
    if (during > 0) closesDuring[code] = during;
  }
  return {
    sent,
    expected,
    received: fan.received,
    late: fan.late,
    outOfOrder: fan.outOfOrder,
    acks: fan.acks,
    errors: fan.errors,
    firstError: fan.firstError,
    firstSendAt,
    lastSendAt,
    lastReceiveAt: fan.lastReceiveAt,
    frameBytes: fan.frameBytes,
    histogram: fan.histogram,
    closes: closesDuring,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: performance.eventLoopUtilization(eluBefore).utilization,
  };
}

// --- persisted sends with acks --------------------------------------------------------------------
function sendPersisted(client: Client): void {
  const n = client.nextN++;
  // Unique across runs: a clientId the server has seen from this sender makes a duplicate (no insert).
  const clientId = `p${persisted.tag}-${n}`;
  client.pending.set(clientId, now());
  client.socket.send(messageSendFrame(client.protocol, client.spec.chatId!, `persisted ${n}`, clientId));
}

function onPersistAnswer(client: Client, data: Buffer): void {
  const frame = JSON.parse(data.toString('utf8')) as { type: string; clientId?: string | null; seq?: number; message?: string; code?: string };
  const clientId = frame.clientId ?? undefined;
  const sentAt = clientId === undefined ? undefined : client.pending.get(clientId);
  if (clientId !== undefined) client.pending.delete(clientId);
  if (frame.type === 'error') {
    persisted.errors += 1;
    persisted.firstError ??= `${frame.code ?? ''}: ${frame.message ?? ''}`;
  } else if (sentAt !== undefined) {
    client.acked.push([Number(clientId!.slice(clientId!.indexOf('-') + 1)), frame.seq ?? 0]);
    if (persisted.measuring) {
      persisted.acked += 1;
      record(persisted.histogram, now() - sentAt);
    }
  }
  if (!persisted.stopping) sendPersisted(client);
}

async function persist(command: Extract<LoadCommand, { type: 'persist' }>): Promise<PersistResult> {
  const senders = clients.filter((c) => c.spec.sender && c.socket.readyState === WebSocket.OPEN);
  if (senders.length === 0) throw new Error('no sender sockets');
  // The answers are read as our frames; the other servers store nothing.
  if (senders.some((c) => c.protocol !== 'messenger')) throw new Error('persisted sends are for our server only');
  Object.assign(persisted, { tag: randomBytes(4).toString('hex'), measuring: false, stopping: false, acked: 0, errors: 0, firstError: undefined });
  persisted.histogram = createHistogram();
  const closesBefore = { ...closes };
  for (const sender of senders) {
    sender.pending.clear();
    sender.acked = [];
  }
  mode = 'persist';
  for (const sender of senders) for (let i = 0; i < command.window; i++) sendPersisted(sender);
  await sleep(command.warmupMs);
  persisted.measuring = true;
  const measureStart = now();
  const perSecond: number[] = [];
  let counted = 0;
  const sampler = setInterval(() => {
    perSecond.push(persisted.acked - counted);
    counted = persisted.acked;
  }, 1000);
  await sleep(command.durationMs);
  clearInterval(sampler);
  persisted.measuring = false;
  persisted.stopping = true;
  const elapsedMs = now() - measureStart;
  const deadline = now() + 10_000;
  while (senders.some((s) => s.pending.size > 0) && now() < deadline) await sleep(20);
  mode = 'idle';

  let reordered = 0;
  for (const sender of senders) {
    const acked = sender.acked.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < acked.length; i++) if (acked[i]![1] < acked[i - 1]![1]) reordered += 1;
  }
  const closesDuring: CloseCounts = {};
  for (const [code, count] of Object.entries(closes)) {
    const during = count - (closesBefore[code] ?? 0);
    if (during > 0) closesDuring[code] = during;
  }
  return {
    acked: persisted.acked,
    perSecond,
    elapsedMs,
    errors: persisted.errors,
    firstError: persisted.firstError,
    histogram: persisted.histogram,
    reordered,
    unanswered: senders.reduce((n, s) => n + s.pending.size, 0),
    closes: closesDuring,
  };
}

// --- IPC ------------------------------------------------------------------------------------------
async function handle(command: LoadCommand): Promise<unknown> {
  switch (command.type) {
    case 'connect':
      return connect(command);
    case 'fanout':
      return fanout(command);
    case 'persist':
      return persist(command);
    case 'status':
      return { open: openCount, closes: { ...closes }, lastBurstAt, connectedAt } satisfies StatusResult;
  }
}

process.on('message', (request: LoadRequest) => {
  handle(request).then(
    (result) => process.send!({ id: request.id, ok: true, result } satisfies LoadReply),
    (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies LoadReply),
  );
});
// The parent going away ends the load generator with it.
process.on('disconnect', () => process.exit(0));
