import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { projectRoot, sendToChild, spawnNode, TSX_NODE_ARGS } from './process.js';

/**
 * The WebSocket load generator: plain `ws` clients in child processes (bench/lib/ws-clients.ts),
 * driven over IPC, speaking our frames or Socket.IO's (see WireProtocol). It runs outside the benchmark's own process so that each process stays under
 * the open-file limit and the clients' work is visible as a process of its own.
 */

/**
 * What the frames on a socket look like: our JSON frames (`{"type":"message.send",…}`), which our
 * server and the bare one speak, or Socket.IO 4's packets (engine.io protocol 4 over WebSocket:
 * `42["message.send",{…}]`), spoken by the clients themselves rather than through socket.io-client
 * so that a client costs the same whichever server it talks to.
 */
export type WireProtocol = 'messenger' | 'socket.io';

/** One client socket to open. */
export interface ConnectionSpec {
  /** Appended to the server's WebSocket URL, e.g. `?room=3` for the bare server. */
  path: string;
  /** `messenger` when not given. */
  protocol?: WireProtocol;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Source address (127.0.0.x): one address reaches one port with about 28,000 connections. */
  localAddress: string;
  /** The chat (group, or the bare server's room) whose messages this socket receives. */
  chatId?: number;
  /** This socket sends its chat's messages. */
  sender?: boolean;
}

export type LoadCommand =
  | { type: 'connect'; url: string; connections: ConnectionSpec[]; concurrency: number }
  | { type: 'fanout'; step: number; messagesPerSecond: number; durationMs: number; drainQuietMs: number; drainMaxMs: number }
  | { type: 'persist'; window: number; warmupMs: number; durationMs: number }
  | { type: 'status' };

export type LoadRequest = LoadCommand & { id: number };
export type LoadReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
}

/** Close codes seen on sockets that had been ready, by code. */
export type CloseCounts = Record<string, number>;

export interface FanoutResult {
  /** message.send frames written. */
  sent: number;
  /** Deliveries due: for every message sent, one per member socket of its chat in this process. */
  expected: number;
  /** message.created frames of this step received. */
  received: number;
  /** Frames of an earlier step that arrived during this one. */
  late: number;
  /** Deliveries that arrived before one sent earlier by the same sender, or twice. */
  outOfOrder: number;
  acks: number;
  errors: number;
  firstError?: string;
  firstSendAt: number;
  lastSendAt: number;
  lastReceiveAt: number;
  /** Size of a delivery frame as received (the last one). */
  frameBytes: number;
  /** Send-to-receive latency of every delivery of this step (see latency.ts). */
  histogram: Uint32Array;
  closes: CloseCounts;
  /** The load generator's own CPU time and event-loop use during the step: is the rig the limit? */
  cpuMs: number;
  eventLoopUtilization: number;
}

export interface PersistResult {
  /** Acks received during the measured window. */
  acked: number;
  /** Acks in each whole second of the measured window. */
  perSecond: number[];
  elapsedMs: number;
  errors: number;
  firstError?: string;
  /** Send-to-ack latency of the acks in the measured window. */
  histogram: Uint32Array;
  /** Acks whose seq is lower than that of a message the same socket sent earlier into the same chat. */
  reordered: number;
  unanswered: number;
  closes: CloseCounts;
}

export interface StatusResult {
  open: number;
  closes: CloseCounts;
  /** Wall-clock ms (performance.timeOrigin + now) of the server's last heartbeat burst (see ws-clients.ts); 0 if none. */
  lastBurstAt: number;
  /** Wall-clock ms when the last connect finished. */
  connectedAt: number;
}

const clientScript = path.join(projectRoot, 'bench/lib/ws-clients.ts');

export class LoadGenerator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exitError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: LoadReply) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.result);
      else waiter?.reject(new Error(`load generator: ${message.error}`));
    });
    child.on('exit', (code, signal) => {
      this.exitError = new Error(`load generator exited (${String(code ?? signal)})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exitError);
      this.pending.clear();
    });
  }

  static start(): LoadGenerator {
    const child = spawnNode(clientScript, {
      nodeArgs: TSX_NODE_ARGS,
      raiseFileLimit: true,
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    return new LoadGenerator(child);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('load generator did not start');
    return this.child.pid;
  }

  async request<T>(command: LoadCommand): Promise<T> {
    if (this.exitError) throw this.exitError;
    const id = this.nextId++;
    const reply = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    await sendToChild(this.child, { ...command, id });
    return reply;
  }

  connect(url: string, connections: ConnectionSpec[], concurrency = 200): Promise<ConnectResult> {
    return this.request({ type: 'connect', url, connections, concurrency });
  }

  status(): Promise<StatusResult> {
    return this.request({ type: 'status' });
  }

  /** Ends the process; the kernel closes its sockets, as when real clients vanish. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

/** Starts one load generator per batch of connections and opens them all. */
export async function connectBatches(url: string, batches: ConnectionSpec[][]): Promise<{ generators: LoadGenerator[]; results: ConnectResult[] }> {
  const generators = batches.map(() => LoadGenerator.start());
  try {
    const results = await Promise.all(generators.map((generator, i) => generator.connect(url, batches[i]!)));
    return { generators, results };
  } catch (error) {
    await Promise.all(generators.map((generator) => generator.stop()));
    throw error;
  }
}

/**
 * The source address of connection `index`: 127.0.0.`first`, then the next address every
 * `perAddress` connections. Each scenario starts at its own `first`, so a new connection never
 * meets a port still in TIME_WAIT from the previous scenario's sockets.
 */
export function sourceAddress(index: number, first: number, perAddress = 8000): string {
  const last = first + Math.floor(index / perAddress);
  if (last > 254) throw new Error('out of loopback source addresses');
  return `127.0.0.${last}`;
}
