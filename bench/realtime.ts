/**
 * `npm run bench:realtime`: real-time delivery of the built server against a bare `ws` broadcast
 * server (bench/bare-server.ts) and a Socket.IO 4 one (bench/socketio-server.ts) on the same
 * machine, written to the "Real time" section of docs/BENCHMARKS.md (one section per storage engine).
 *
 * Scenarios: idle authenticated connections and the server's memory per connection; fan-out into
 * 100-member groups at rising message rates; persisted sends per second over REST and WebSocket.
 * Options: --quick (a short smoke run), --only=idle,fanout,persist, --runs=N (persisted sends).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { commandLine, flagOption, integerOption, listOption } from './lib/args.js';
import { createBenchEnvironment, randomText, type BenchEnvironment } from './lib/environment.js';
import { createGroup, type User } from './lib/chat-setup.js';
import { requestJson } from './lib/http.js';
import { openInspector, summarizeProfile, type ProfileSummary } from './lib/inspector.js';
import { createHistogram, merge, percentile, record } from './lib/latency.js';
import { measureLoad, type LoadResult } from './lib/load.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { cpuMeter, rssKiB, waitUntilMachineQuiet, waitUntilQuiet } from './lib/proc-stats.js';
import { cleanupOnExit, freePort, projectRoot, runNpmScript, startBuiltServer, TSX_NODE_ARGS, type ServerProcess } from './lib/process.js';
import { realtimeBenchSettings } from './lib/realtime-settings.js';
import { argon2Line, markdownTable, writeSection } from './lib/report.js';
import { formatCount, formatMs, formatRatio, median } from './lib/stats.js';
import {
  connectBatches,
  type LoadGenerator,
  sourceAddress,
  type CloseCounts,
  type ConnectionSpec,
  type ConnectResult,
  type FanoutResult,
  type PersistResult,
  type WireProtocol,
} from './lib/ws-load.js';

// --- plan -----------------------------------------------------------------------------------------
const quick = flagOption('quick');
const only = listOption('only', ['idle', 'fanout', 'persist'] as const);
const runs = integerOption('runs', quick ? 1 : 3);
const partialRun = only.length < 3;

const plan = quick
  ? {
      idleConnections: 2_000,
      idleUsers: 20,
      twoProcessConnections: 4_000,
      groups: 10,
      members: 100,
      rates: [50, 200, 500],
      stepSeconds: 3,
      refinements: 0,
      profileSeconds: 2,
      settleSeconds: 2,
      probeSeconds: 0,
      persistSeconds: 3,
      persistWarmupSeconds: 1,
    }
  : {
      idleConnections: 19_900,
      idleUsers: 200,
      twoProcessConnections: 39_000,
      groups: 100,
      members: 100,
      rates: [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1200, 1400, 1700, 2000],
      stepSeconds: 6,
      refinements: 2,
      profileSeconds: 5,
      settleSeconds: 5,
      // Longer than the heartbeat interval (25 s), so the probe sees one heartbeat round.
      probeSeconds: 26,
      persistSeconds: 10,
      persistWarmupSeconds: 2,
    };
/** Each load-generator process holds at most this many sockets (the open-file limit is 20,000). */
const SOCKETS_PER_GENERATOR = 10_000;
/** The fan-out's clients are split over this many processes, whole groups each. */
const FANOUT_GENERATORS = 2;
const P99_LIMIT_MS = 1000;
const REFERENCE_DELIVERIES = 50_000;
const GOALS = { bytesPerConnection: 10 * 1024, fanoutRatio: 0.9, p99VsBare: 1.5, persistedPerSecond: 5000, withSyncVsWithout: 0.8 };
const PERSIST = { chats: 4, membersPerChat: 10, restConnections: 32, wsSocketsPerChat: 4, wsWindow: 8 };
/** First source address (127.0.0.x) per scenario; see sourceAddress. */
const ADDRESSES = { idle: 2, bareIdle: 10, twoProcess: 20, socketIoIdle: 30, fanout: 40, bareFanout: 50, socketIoFanout: 60, persist: 80, probe: 90 };
/** Socket.IO's endpoint, engine.io protocol 4 straight over WebSocket (no HTTP long-polling first). */
const SOCKET_IO_PATH = '/socket.io/?EIO=4&transport=websocket';
/** Socket.IO's default pingInterval, which bench/socketio-server.ts keeps. */
const SOCKET_IO_HEARTBEAT_MS = 25_000;
const socketIoVersion = () =>
  (JSON.parse(readFileSync(path.join(projectRoot, 'node_modules/socket.io/package.json'), 'utf8')) as { version: string }).version;

const HOST = '127.0.0.1';
const settings: Record<string, string> = {
  ...realtimeBenchSettings(),
  // The idle measurement holds about 100 sockets per user; the default cap (50 per user on a node)
  // would close half of them with 4409.
  WS_MAX_SOCKETS_PER_USER: '10000',
};

// --- processes ------------------------------------------------------------------------------------
interface Target {
  name: string;
  server: ServerProcess;
  pid: number;
  wsUrl: string;
  protocol: WireProtocol;
  inspectPort: number;
}

const running = new Set<{ stop(): Promise<unknown> }>();

/** Starts our built server, or with `script` one of the yardsticks (bench/bare-server.ts, bench/socketio-server.ts). */
async function startTarget(
  name: string,
  environment: BenchEnvironment,
  { script, extraEnv = {}, protocol = 'messenger' }: { script?: string; extraEnv?: Record<string, string>; protocol?: WireProtocol } = {},
): Promise<Target> {
  const port = await freePort(HOST);
  const inspectPort = await freePort(HOST);
  const server = await startBuiltServer({
    env: script ? { NODE_ENV: 'production' } : { ...environment.env, ...extraEnv },
    cwd: environment.dataDir,
    host: HOST,
    port,
    script,
    // The inspector is only attached for a garbage collection before memory is read, and for the
    // CPU profile; unattached it costs nothing.
    nodeArgs: [...(script ? TSX_NODE_ARGS : []), `--inspect=${HOST}:${inspectPort}`],
    raiseFileLimit: true,
    readyTimeoutMs: 60_000,
  });
  running.add(server);
  const wsPath = protocol === 'socket.io' ? SOCKET_IO_PATH : '/api/v1/ws';
  return { name, server, pid: server.child.pid!, wsUrl: `ws://${HOST}:${port}${wsPath}`, protocol, inspectPort };
}

const startBareServer = (environment: BenchEnvironment) => startTarget('bare server', environment, { script: `${projectRoot}/bench/bare-server.ts` });
const startSocketIoServer = (environment: BenchEnvironment) =>
  startTarget('Socket.IO server', environment, { script: `${projectRoot}/bench/socketio-server.ts`, protocol: 'socket.io' });

async function stopTarget(target: Target): Promise<void> {
  running.delete(target.server);
  const exit = await target.server.stop();
  if (exit !== 0) console.error(`${target.name} exited with ${String(exit)} after SIGTERM:\n${target.server.output()}`);
}

async function startGenerators(url: string, batches: ConnectionSpec[][]): Promise<{ generators: LoadGenerator[]; results: ConnectResult[] }> {
  const started = await connectBatches(url, batches);
  for (const generator of started.generators) running.add(generator);
  return started;
}

async function stopGenerators(generators: LoadGenerator[]): Promise<void> {
  for (const generator of generators) running.delete(generator);
  await Promise.all(generators.map((g) => g.stop()));
}

async function collectGarbage(target: Target): Promise<void> {
  const inspector = await openInspector(HOST, target.inspectPort);
  try {
    await inspector.collectGarbage();
  } finally {
    await inspector.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits `items` into `count` contiguous batches of near-equal size. */
function batches<T>(items: T[], count: number): T[][] {
  const per = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, i) => items.slice(i * per, (i + 1) * per)).filter((b) => b.length > 0);
}

// --- accounts and chats ---------------------------------------------------------------------------
async function createUsers(url: string, count: number): Promise<User[]> {
  const password = randomText(24);
  const users: User[] = new Array<User>(count);
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const username = `rt${i}`;
      await requestJson(`${url}/api/v1/auth/register`, { body: { username, email: `${username}@example.com`, password }, expect: 201 });
      const session = await requestJson<{ accessToken: string; user: { id: number } }>(`${url}/api/v1/auth/login`, {
        body: { login: username, password },
        expect: 200,
      });
      users[i] = { id: session.user.id, token: session.accessToken };
      if ((i + 1) % 2000 === 0) console.log(`  ${formatCount(i + 1)} accounts`);
    }
  };
  // Bounded: password hashing runs on the server's thread pool of four.
  await Promise.all(Array.from({ length: 32 }, worker));
  console.log(`  ${formatCount(count)} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return users;
}


// --- scenario 1: idle connections -----------------------------------------------------------------
interface IdleResult {
  processes: number;
  connections: number;
  connected: number;
  failed: number;
  firstError?: string;
  connectSeconds: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  /** Still open after the settle time (the server may drop some, e.g. missed heartbeats). */
  openAfterSettle: number;
  bytesPerConnection: number;
  probe?: ProbeResult;
}

interface ProbeResult {
  seconds: number;
  answers: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * One more socket sends `{"type":"ping"}` (Socket.IO: a `ping` event) and waits for the `pong`
 * before sending the next (5 ms later), for `seconds`: how long the server takes to answer a frame
 * while it holds many idle sockets, heartbeats included.
 */
async function probeResponsiveness(target: Target, token: string | undefined, seconds: number): Promise<ProbeResult> {
  const socketIo = target.protocol === 'socket.io';
  const pingFrame = socketIo ? '42["ping"]' : '{"type":"ping"}';
  const pongPrefix = socketIo ? '42["pong"' : '{"type":"pong"';
  const socket = new WebSocket(target.wsUrl, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    localAddress: sourceAddress(0, ADDRESSES.probe),
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    // Ready on our server's first frame; on Socket.IO's answer to the namespace connect.
    const untilReady = (data: Buffer) => {
      if (socketIo && data.toString('utf8').startsWith('0')) return socket.send('40');
      socket.off('message', untilReady);
      resolve();
    };
    socket.on('message', untilReady);
    socket.once('error', reject);
  });
  const histogram = createHistogram();
  let max = 0;
  let answers = 0;
  let sentAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    sentAt = performance.now();
    socket.send(pingFrame);
  };
  socket.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    // Engine.io's heartbeat ping, answered as a client must.
    if (socketIo && text === '2') return socket.send('3');
    if (!text.startsWith(pongPrefix)) return;
    const rtt = performance.now() - sentAt;
    answers += 1;
    record(histogram, rtt);
    max = Math.max(max, rtt);
    timer = setTimeout(send, 5);
  });
  send();
  await sleep(seconds * 1000);
  clearTimeout(timer);
  socket.removeAllListeners('message');
  socket.terminate();
  return { seconds, answers, p50: percentile(histogram, 0.5), p99: percentile(histogram, 0.99), max };
}

/** Opens `perServer` idle sockets to each target and reads what they cost each server process. */
async function measureIdle(targets: Target[], perServer: number, tokens: string[], firstAddress: number, probeSeconds = 0): Promise<IdleResult> {
  await waitUntilQuiet(targets.map((t) => t.pid));
  for (const target of targets) await collectGarbage(target);
  await sleep(1000);
  const before = targets.map((t) => rssKiB(t.pid));

  const started = performance.now();
  const perTarget = await Promise.all(
    targets.map((target, t) => {
      const specs: ConnectionSpec[] = Array.from({ length: perServer }, (_, i) => {
        const k = t * perServer + i;
        return {
          path: '',
          protocol: target.protocol,
          token: tokens.length ? tokens[k % tokens.length] : undefined,
          localAddress: sourceAddress(k, firstAddress),
        };
      });
      return startGenerators(target.wsUrl, batches(specs, Math.ceil(perServer / SOCKETS_PER_GENERATOR)));
    }),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const generators = perTarget.flatMap((p) => p.generators);
  const results = perTarget.flatMap((p) => p.results);
  const connected = results.reduce((n, r) => n + r.connected, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`  ${formatCount(connected)} connected, ${failed} failed in ${connectSeconds.toFixed(1)} s${failed ? ` (${results.find((r) => r.firstError)?.firstError})` : ''}`);

  try {
    await sleep(plan.settleSeconds * 1000);
    await waitUntilQuiet(targets.map((t) => t.pid));
    for (const target of targets) await collectGarbage(target);
    await sleep(1000);
    const after = targets.map((t) => rssKiB(t.pid));
    const open = (await Promise.all(generators.map((g) => g.status()))).reduce((n, s) => n + s.open, 0);
    const rssBeforeKiB = before.reduce((a, b) => a + b, 0);
    const rssAfterKiB = after.reduce((a, b) => a + b, 0);
    let probe: ProbeResult | undefined;
    if (probeSeconds > 0) {
      console.log(`  probing responsiveness for ${probeSeconds} s`);
      probe = await probeResponsiveness(targets[0]!, tokens[0], probeSeconds);
      console.log(`  ping → pong p50 ${ms(probe.p50)} ms, p99 ${ms(probe.p99)} ms, max ${ms(probe.max)} ms`);
    }
    return {
      probe,
      processes: targets.length,
      connections: perServer * targets.length,
      connected,
      failed,
      firstError: results.find((r) => r.firstError)?.firstError,
      connectSeconds,
      rssBeforeKiB,
      rssAfterKiB,
      openAfterSettle: open,
      bytesPerConnection: ((rssAfterKiB - rssBeforeKiB) * 1024) / Math.max(1, open),
    };
  } finally {
    await stopGenerators(generators);
    // The servers handle the closes (and, for ours, presence) before anything else is measured.
    await waitUntilQuiet(targets.map((t) => t.pid), { timeoutMs: 60_000 });
  }
}

// --- scenario 2: fan-out --------------------------------------------------------------------------
interface StepResult {
  phase: 'ramp' | 'refine' | 'reference' | 'warm-up' | 'profile';
  messagesPerSecond: number;
  offered: number;
  sent: number;
  expected: number;
  received: number;
  lost: number;
  achieved: number;
  p50: number;
  p99: number;
  late: number;
  outOfOrder: number;
  errors: number;
  firstError?: string;
  closes: CloseCounts;
  serverCpu: number;
  generatorCpu: number;
  generatorLoopUse: number;
  /** CPU used outside the server and the clients meanwhile (see cpuMeter). */
  elsewhereCpu: number;
  frameBytes: number;
  passed: boolean;
}

interface FanoutRun {
  connectSeconds: number;
  steps: StepResult[];
  highestPassing: number;
  /** No step failed: the highest passing rate is a floor. */
  neverFailed: boolean;
  reference?: StepResult;
  profile?: { summary: ProfileSummary; step: StepResult };
  disturbed: StepResult[];
}

let stepCounter = 0;

async function runStep(
  target: Target,
  generators: LoadGenerator[],
  shares: number[],
  messagesPerSecond: number,
  seconds: number,
  phase: StepResult['phase'],
  beforeStart?: () => Promise<void>,
): Promise<StepResult> {
  await waitUntilQuiet([target.pid], { cpuShare: 0.1, timeoutMs: 20_000 });
  await beforeStart?.();
  const step = ++stepCounter;
  const meter = cpuMeter([target.pid, ...generators.map((g) => g.pid)]);
  const results = await Promise.all(
    generators.map((g, i) =>
      g.request<FanoutResult>({
        type: 'fanout',
        step,
        messagesPerSecond: messagesPerSecond * shares[i]!,
        durationMs: seconds * 1000,
        drainQuietMs: 3000,
        drainMaxMs: 30_000,
      }),
    ),
  );
  const cpu = meter.stop();
  const [serverCpu = 0, ...generatorCpus] = cpu.perProcess;
  const sum = (pick: (r: FanoutResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const histogram = createHistogram();
  for (const r of results) merge(histogram, r.histogram);
  const closes: CloseCounts = {};
  for (const r of results) for (const [code, n] of Object.entries(r.closes)) closes[code] = (closes[code] ?? 0) + n;
  const expected = sum((r) => r.expected);
  const received = sum((r) => r.received);
  const firstSendAt = Math.min(...results.map((r) => r.firstSendAt));
  const lastReceiveAt = Math.max(...results.map((r) => r.lastReceiveAt));
  const lost = Math.max(0, expected - received);
  const errors = sum((r) => r.errors);
  const p99 = percentile(histogram, 0.99);
  const result: StepResult = {
    phase,
    messagesPerSecond,
    offered: messagesPerSecond * plan.members,
    sent: sum((r) => r.sent),
    expected,
    received,
    lost,
    achieved: received > 0 && lastReceiveAt > firstSendAt ? received / ((lastReceiveAt - firstSendAt) / 1000) : 0,
    p50: percentile(histogram, 0.5),
    p99,
    late: sum((r) => r.late),
    outOfOrder: sum((r) => r.outOfOrder),
    errors,
    firstError: results.find((r) => r.firstError)?.firstError,
    closes,
    serverCpu,
    generatorCpu: generatorCpus.reduce((a, b) => a + b, 0),
    generatorLoopUse: Math.max(...results.map((r) => r.eventLoopUtilization)),
    elsewhereCpu: cpu.elsewhere,
    frameBytes: Math.max(...results.map((r) => r.frameBytes)),
    passed: lost === 0 && errors === 0 && Object.keys(closes).length === 0 && received > 0 && p99 < P99_LIMIT_MS,
  };
  console.log(
    `${phase.padEnd(9)} ${String(messagesPerSecond).padStart(5)} msg/s → ${formatCount(result.offered).padStart(7)} offered, ` +
      `${formatCount(result.achieved).padStart(7)} achieved, lost ${formatCount(lost)}, p50 ${formatMs(result.p50)} ms, p99 ${formatMs(p99)} ms, ` +
      `CPU server ${formatRatio(serverCpu)} clients ${formatRatio(result.generatorCpu)}${errors ? `, ${errors} errors (${result.firstError})` : ''}` +
      `${Object.keys(closes).length ? `, closes ${JSON.stringify(closes)}` : ''} — ${result.passed ? 'pass' : 'FAIL'}`,
  );
  return result;
}

/** A failing step is repeated once when the rest of the machine used more than this share of a core meanwhile. */
const DISTURBED_CPU = 0.4;

/**
 * Waits until the next `budgetMs` are clear of heartbeat bursts from the servers behind `others`
 * (a server that pings many of its sockets at once): for each, the last burst its clients saw is
 * over and settled, and the next is not due before the window ends. A server whose clients have
 * seen no burst over a whole heartbeat interval is clear (its pings are spread out). All of them
 * are checked again after any wait, as waiting for one may run into another's burst.
 */
async function clearOfHeartbeats(others: Climb[], budgetMs: number): Promise<void> {
  const pinging = others.filter((other) => other.heartbeatMs !== undefined);
  if (pinging.length === 0) return;
  const giveUpAt = performance.now() + Math.max(...pinging.map((other) => other.heartbeatMs!)) * 2 + budgetMs;
  while (performance.now() < giveUpAt) {
    const waits = await Promise.all(pinging.map((other) => waitForHeartbeatWindow(other, budgetMs)));
    const wait = Math.max(...waits);
    if (wait === 0) return;
    await sleep(wait);
  }
}

/** How long to wait before `budgetMs` are clear of `climb`'s heartbeat bursts; 0 when they are now. */
async function waitForHeartbeatWindow(climb: Climb, budgetMs: number): Promise<number> {
  const heartbeatMs = climb.heartbeatMs!;
  const statuses = await Promise.all(climb.generators.map((g) => g.status()));
  const last = Math.max(...statuses.map((st) => st.lastBurstAt));
  const connectedAt = Math.max(...statuses.map((st) => st.connectedAt));
  const now = performance.timeOrigin + performance.now();
  if (last === 0) return now - connectedAt > heartbeatMs + 2000 ? 0 : 500;
  const next = last + heartbeatMs;
  if (now > last + 1500 && now + budgetMs < next - 1000) return 0;
  return Math.max(250, Math.min(next + 2000 - now, heartbeatMs));
}

/** One server's side of the fan-out: its clients, and how far its climb has got. */
interface Climb {
  label: string;
  target: Target;
  generators: LoadGenerator[];
  shares: number[];
  connectSeconds: number;
  steps: StepResult[];
  /** Failing steps that ran while something else was busy on the machine; each was repeated. */
  disturbed: StepResult[];
  highestPassing: number;
  failedAt?: number;
  /** How often the server pings its sockets (ours and Socket.IO do; the bare one does not). */
  heartbeatMs?: number;
}

async function connectClimb(label: string, target: Target, groupSpecs: ConnectionSpec[][], heartbeatMs: number | undefined): Promise<Climb> {
  const groupBatches = batches(groupSpecs, FANOUT_GENERATORS);
  const started = performance.now();
  const { generators, results } = await startGenerators(
    target.wsUrl,
    groupBatches.map((b) => b.flat()),
  );
  const connectSeconds = (performance.now() - started) / 1000;
  const climb: Climb = {
    label,
    target,
    generators,
    shares: groupBatches.map((b) => b.length / groupSpecs.length),
    connectSeconds,
    steps: [],
    disturbed: [],
    highestPassing: 0,
    heartbeatMs,
  };
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) throw new Error(`${label}: ${failed} fan-out connections failed: ${results.find((r) => r.firstError)?.firstError}`);
  console.log(`  ${label}: ${formatCount(groupSpecs.flat().length)} connected in ${connectSeconds.toFixed(1)} s`);
  return climb;
}

/**
 * The servers climb the same rates, step by step in turn (ours, then bare, then Socket.IO, at each
 * rate), so that all see the machine as it is at that moment: on a shared machine its speed drifts by tens of
 * per cent over minutes. Each server stops at its first failing step; the gap below it is then
 * halved a few times, and the step at the reference rate is run if the climb stopped short of it.
 */
async function measureFanout(climbs: Climb[], withProfile: boolean): Promise<FanoutRun[]> {
  for (const climb of climbs) await waitUntilQuiet([climb.target.pid], { timeoutMs: 60_000 });
  const once = (climb: Climb, rate: number, phase: StepResult['phase'], seconds: number) => {
    process.stdout.write(`  ${climb.label.padEnd(9)} `);
    // A server's step must not share the machine with another server's heartbeat round.
    const others = climbs.filter((c) => c !== climb);
    return runStep(climb.target, climb.generators, climb.shares, rate, seconds, phase, () => clearOfHeartbeats(others, (seconds + 5) * 1000));
  };
  const step = async (climb: Climb, rate: number, phase: StepResult['phase'], seconds = plan.stepSeconds) => {
    let result = await once(climb, rate, phase, seconds);
    if (!result.passed && result.elsewhereCpu > DISTURBED_CPU) {
      console.log(`  (${formatRatio(result.elsewhereCpu)} of a core was busy elsewhere during that step: repeating it once the machine is quiet)`);
      climb.disturbed.push(result);
      await waitUntilMachineQuiet();
      result = await once(climb, rate, phase, seconds);
    }
    if (phase !== 'warm-up' && phase !== 'profile') climb.steps.push(result);
    return result;
  };
  // JIT and caches warm up at a low rate first; thrown away.
  for (const climb of climbs) await step(climb, plan.rates[0]!, 'warm-up', Math.min(3, plan.stepSeconds));

  for (const rate of plan.rates) {
    const climbing = climbs.filter((c) => c.failedAt === undefined);
    if (climbing.length === 0) break;
    for (const climb of climbing) {
      if ((await step(climb, rate, 'ramp')).passed) climb.highestPassing = rate;
      else climb.failedAt = rate;
    }
  }
  const bounds = new Map(climbs.map((c) => [c, { low: c.highestPassing, high: c.failedAt }]));
  for (let i = 0; i < plan.refinements; i++) {
    for (const climb of climbs) {
      const bound = bounds.get(climb)!;
      if (bound.high === undefined) continue;
      const mid = Math.round((bound.low + bound.high) / 2 / 10) * 10;
      if (mid <= bound.low || mid >= bound.high) continue;
      if ((await step(climb, mid, 'refine')).passed) bound.low = mid;
      else bound.high = mid;
    }
  }
  const referenceRate = REFERENCE_DELIVERIES / plan.members;
  for (const climb of climbs) {
    if (!climb.steps.some((s) => s.messagesPerSecond === referenceRate)) await step(climb, referenceRate, 'reference');
  }
  const profiles = new Map<Climb, FanoutRun['profile']>();
  if (withProfile) {
    for (const climb of climbs) {
      const { value, summary } = await profiled(climb.target, () => step(climb, referenceRate, 'profile', plan.profileSeconds));
      profiles.set(climb, { summary, step: value });
    }
  }
  return climbs.map((climb) => ({
    connectSeconds: climb.connectSeconds,
    steps: climb.steps,
    highestPassing: bounds.get(climb)!.low,
    neverFailed: climb.failedAt === undefined,
    reference: climb.steps.find((s) => s.messagesPerSecond === referenceRate),
    profile: profiles.get(climb),
    disturbed: climb.disturbed,
  }));
}

// --- scenario 3: persisted sends ------------------------------------------------------------------
interface WsPersisted {
  perSecond: number;
  p50: number;
  p99: number;
  reordered: number;
  unanswered: number;
  /** Shares of one core, over warm-up and measurement (see cpuMeter); the clients' own excluded. */
  cpu: { server: number; elsewhere: number };
}

interface PersistRun {
  rest: LoadResult;
  ws: WsPersisted;
  /** Shares of one core, over warm-up and measurement (see cpuMeter). */
  restCpu: { server: number; elsewhere: number };
}

interface PersistSetup {
  url: string;
  target: Target;
  owner: User;
  chatIds: number[];
  wsSenders: { user: User; chatId: number }[];
}

function persistOverRest(setup: PersistSetup, seconds: number, warmupSeconds: number): Promise<LoadResult> {
  return measureLoad('POST /api/v1/chats/:id/messages', {
    url: setup.url,
    method: 'POST',
    headers: { authorization: `Bearer ${setup.owner.token}`, 'content-type': 'application/json' },
    requests: setup.chatIds.map((id) => ({ method: 'POST', path: `/api/v1/chats/${id}/messages`, body: '{"text":"persisted over REST","clientId":"[<id>]"}' })),
    idReplacement: true,
    connections: PERSIST.restConnections,
    durationSeconds: seconds,
    warmupSeconds,
  });
}

async function persistOverWebSocket(setup: PersistSetup, seconds: number, warmupSeconds: number): Promise<WsPersisted> {
  const specs = setup.wsSenders.map(({ user, chatId }, i) => ({ path: '', token: user.token, localAddress: sourceAddress(i, ADDRESSES.persist), chatId, sender: true }));
  const { generators, results } = await startGenerators(setup.target.wsUrl, [specs]);
  try {
    if (results[0]!.failed) throw new Error(`persisted-send sockets failed: ${results[0]!.firstError}`);
    const meter = cpuMeter([setup.target.pid, generators[0]!.pid]);
    const result = await generators[0]!.request<PersistResult>({ type: 'persist', window: PERSIST.wsWindow, warmupMs: warmupSeconds * 1000, durationMs: seconds * 1000 });
    const cpu = meter.stop();
    console.log(`    per second: ${result.perSecond.join(' ')}`);
    if (result.errors) throw new Error(`persisted sends over WebSocket: ${result.errors} errors (${result.firstError})`);
    const closed = Object.keys(result.closes).length;
    if (closed) throw new Error(`persisted sends over WebSocket: sockets closed ${JSON.stringify(result.closes)}`);
    return {
      perSecond: result.acked / (result.elapsedMs / 1000),
      p50: percentile(result.histogram, 0.5),
      p99: percentile(result.histogram, 0.99),
      reordered: result.reordered,
      unanswered: result.unanswered,
      cpu: { server: cpu.perProcess[0]!, elsewhere: cpu.elsewhere },
    };
  } finally {
    await stopGenerators(generators);
  }
}

async function measurePersistOnce(setup: PersistSetup): Promise<PersistRun> {
  await waitUntilQuiet([setup.target.pid]);
  const meter = cpuMeter([setup.target.pid]);
  const rest = await persistOverRest(setup, plan.persistSeconds, plan.persistWarmupSeconds);
  const restCpu = meter.stop();
  await waitUntilQuiet([setup.target.pid]);
  const ws = await persistOverWebSocket(setup, plan.persistSeconds, plan.persistWarmupSeconds);
  console.log(
    `  REST ${formatCount(rest.requestsPerSecondMean)}/s (p99 ${formatMs(rest.latencyP99Ms)} ms, server CPU ${formatRatio(restCpu.perProcess[0]!)}, ` +
      `elsewhere ${formatRatio(restCpu.elsewhere)}); WebSocket ${formatCount(ws.perSecond)}/s (p50 ${formatMs(ws.p50)} ms, p99 ${formatMs(ws.p99)} ms, ` +
      `server CPU ${formatRatio(ws.cpu.server)}, elsewhere ${formatRatio(ws.cpu.elsewhere)}, ${ws.reordered} reordered, ${ws.unanswered} unanswered)`,
  );
  return {
    rest,
    ws,
    restCpu: { server: restCpu.perProcess[0]!, elsewhere: restCpu.elsewhere },
  };
}

/** Runs `work` while the target's CPU is profiled. */
async function profiled<T>(target: Target, work: () => Promise<T>): Promise<{ value: T; summary: ProfileSummary }> {
  await waitUntilQuiet([target.pid]);
  const inspector = await openInspector(HOST, target.inspectPort);
  try {
    await inspector.startProfiling();
    const value = await work();
    return { value, summary: summarizeProfile(await inspector.stopProfiling()) };
  } finally {
    await inspector.close();
  }
}

// --- report ---------------------------------------------------------------------------------------
interface Results {
  started: Date;
  storage: BenchEnvironment['storage'];
  argon2: string;
  users: number;
  /** What the machine was busy with before the run, as a share of one core. */
  backgroundCpu: number;
  idle?: { ours: IdleResult; bare: IdleResult; socketIo: IdleResult; twoProcess?: IdleResult; twoProcessWhyNot?: string };
  fanout?: { ours: FanoutRun; bare: FanoutRun; socketIo: FanoutRun };
  persist?: { runs: PersistRun[]; withoutSync: PersistRun[]; restProfile?: { summary: ProfileSummary; perSecond: number }; wsProfile?: { summary: ProfileSummary; perSecond: number } };
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const ms = (value: number) => (Number.isFinite(value) ? formatMs(value) : '—');

function idleSection(idle: NonNullable<Results['idle']>): string {
  const row = (label: string, r: IdleResult) => [
    label,
    String(r.processes),
    formatCount(r.connections),
    formatCount(r.openAfterSettle) + (r.failed ? ` (${formatCount(r.failed)} refused)` : ''),
    r.connectSeconds.toFixed(1),
    mib(r.rssBeforeKiB),
    mib(r.rssAfterKiB),
    kib(r.bytesPerConnection),
    r.probe ? ms(r.probe.p50) : '—',
    r.probe ? ms(r.probe.p99) : '—',
    r.probe ? ms(r.probe.max) : '—',
  ];
  const rows = [
    [
      'server',
      'processes',
      'connections',
      'open after settling',
      'connect time (s)',
      'RSS before (MiB)',
      'RSS with connections (MiB)',
      'RSS per connection (KiB)',
      'ping → pong p50 (ms)',
      'p99 (ms)',
      'max (ms)',
    ],
    row('ours', idle.ours),
    row('bare ws', idle.bare),
    row('Socket.IO', idle.socketIo),
  ];
  if (idle.twoProcess) rows.push(row('ours, two processes on the Redis bus', idle.twoProcess));
  const table = markdownTable(rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
  const ours = idle.ours.bytesPerConnection;
  const oursMet = ours <= GOALS.bytesPerConnection && idle.ours.failed === 0 && idle.ours.openAfterSettle === idle.ours.connections;
  const two = idle.twoProcess;
  const twoMet = two && two.bytesPerConnection <= GOALS.bytesPerConnection && two.failed === 0 && two.openAfterSettle === two.connections;
  const verdict = (met: boolean | undefined, r: IdleResult) =>
    met
      ? `**met** (${kib(r.bytesPerConnection)} KiB)`
      : `**not met** (${kib(r.bytesPerConnection)} KiB, ${formatRatio(r.bytesPerConnection / GOALS.bytesPerConnection)} of the budget` +
        `${r.openAfterSettle !== r.connections ? `; ${formatCount(r.connections - r.openAfterSettle)} of ${formatCount(r.connections)} connections were not open` : ''})`;
  return `### Idle connections

Authenticated sockets (\`Authorization: Bearer\`, ${formatCount(plan.idleUsers)} users, about
${formatCount(Math.ceil(idle.ours.connections / plan.idleUsers))} sockets each: the server allows many sockets per user) are opened, left idle for
${plan.settleSeconds} s, and the server is given a full garbage collection (through the inspector) before and after; *RSS per
connection* is (VmRSS with the connections − VmRSS before) / open connections, read from /proc. The bare server and the
Socket.IO server get the same number of unauthenticated sockets (Socket.IO's each joined to its main namespace). Socket.IO's
heartbeat is engine.io-level: a text ping (\`2\`, answered \`3\` by the clients) every ${SOCKET_IO_HEARTBEAT_MS / 1000} s on each socket's own timer,
where ours sends WebSocket ping frames.${
    two
      ? ` Two processes: both servers on the same database and Redis, ${formatCount(two.connections / 2)} sockets each, the same
${formatCount(plan.idleUsers)} users; their RSS is summed.`
      : ''
  } One measurement.${
    plan.probeSeconds
      ? `

While the sockets are held, one more socket sends \`{"type":"ping"}\` and, 5 ms after each \`pong\`, the next, for
${plan.probeSeconds} s: longer than the heartbeat interval, so the *ping → pong* columns include a whole interval of the server's own
heartbeat pings to its sockets (the bare server sends none; Socket.IO's probe socket sends a \`ping\` event and waits for a \`pong\` event).`
      : ''
  }

${table}

${two ? '' : `Two processes: **not applicable** in this run: ${idle.twoProcessWhyNot}\n\n`}**Goal:** at most 10 KiB of RSS per idle connection. One process with ${formatCount(idle.ours.connections)} connections: ${verdict(oursMet, idle.ours)}.${
    two ? ` Two processes with ${formatCount(two.connections)} connections: ${verdict(twoMet, two)}.` : ''
  } The bare \`ws\` server needs ${kib(idle.bare.bytesPerConnection)} KiB per connection (ours is ${formatRatio(ours / idle.bare.bytesPerConnection)} of that), Socket.IO ${kib(
    idle.socketIo.bytesPerConnection,
  )} KiB (ours is ${formatRatio(ours / idle.socketIo.bytesPerConnection)} of that).`;
}

function stepCells(step: StepResult | undefined): string[] {
  if (!step) return ['—', '—', '—', '—', '—'];
  return [formatCount(step.achieved), formatCount(step.lost), ms(step.p50), ms(step.p99), step.passed ? 'pass' : '**fail**'];
}

function fanoutSection(fanout: NonNullable<Results['fanout']>): string {
  const { ours, bare, socketIo } = fanout;
  const cpuCount = describeMachine().cpuCount;
  const frameBytes = (run: FanoutRun) => Math.max(...run.steps.map((s) => s.frameBytes));
  const measured = (run: FanoutRun) => run.steps;
  const rates = [...new Set([...measured(ours), ...measured(bare), ...measured(socketIo)].map((s) => s.messagesPerSecond))].sort((a, b) => a - b);
  const at = (run: FanoutRun, rate: number) => run.steps.find((s) => s.messagesPerSecond === rate);
  const serverColumns = (label: string) => [`${label}: achieved`, 'lost', 'p50 (ms)', 'p99 (ms)', 'result'];
  const serverAligns = ['r', 'r', 'r', 'r', 'l'] as const;
  const table = markdownTable(
    [
      ['messages/s', 'deliveries/s offered', ...serverColumns('ours'), ...serverColumns('bare'), ...serverColumns('socket.io')],
      ...rates.map((rate) => [String(rate), formatCount(rate * plan.members), ...stepCells(at(ours, rate)), ...stepCells(at(bare, rate)), ...stepCells(at(socketIo, rate))]),
    ],
    ['r', 'r', ...serverAligns, ...serverAligns, ...serverAligns],
  );
  const detailRow = (server: string, s: StepResult, disturbed = false) => [
    server,
    String(s.messagesPerSecond) + (s.phase === 'ramp' ? '' : ` (${s.phase})`) + (disturbed ? ` (disturbed, failed with p99 ${ms(s.p99)} ms; repeated)` : ''),
    formatRatio(s.serverCpu),
    s.achieved > 0 ? ((s.serverCpu * 1e6) / s.achieved).toFixed(1) : '—',
    formatRatio(s.generatorCpu),
    formatRatio(s.generatorLoopUse),
    formatRatio(s.elsewhereCpu),
    formatRatio((s.serverCpu + s.generatorCpu + s.elsewhereCpu) / cpuCount),
    formatCount(s.sent),
    formatCount(s.late),
    formatCount(s.outOfOrder),
    String(s.errors),
    Object.entries(s.closes)
      .map(([code, n]) => `${code}×${n}`)
      .join(', ') || '0',
  ];
  const details = markdownTable(
    [
      ['server', 'messages/s', 'server CPU', 'server CPU per delivery (µs)', 'clients CPU', 'clients busiest loop', 'CPU elsewhere', 'machine busy', 'sent', 'late (earlier step)', 'out of order', 'errors', 'socket closes'],
      ...ours.steps.map((s) => detailRow('ours', s)),
      ...ours.disturbed.map((s) => detailRow('ours', s, true)),
      ...bare.steps.map((s) => detailRow('bare ws', s)),
      ...bare.disturbed.map((s) => detailRow('bare ws', s, true)),
      ...socketIo.steps.map((s) => detailRow('Socket.IO', s)),
      ...socketIo.disturbed.map((s) => detailRow('Socket.IO', s, true)),
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );

  const highest = (run: FanoutRun) => run.highestPassing * plan.members;
  const ratio = highest(bare) > 0 ? highest(ours) / highest(bare) : NaN;
  const ratioMet = ratio >= GOALS.fanoutRatio;
  const floor = (run: FanoutRun) => (run.neverFailed ? 'at least ' : '');
  const oursRef = ours.reference;
  const bareRef = bare.reference;
  const p99Ratio = oursRef && bareRef ? oursRef.p99 / bareRef.p99 : NaN;
  const p99Met = oursRef !== undefined && bareRef !== undefined && oursRef.lost === 0 && p99Ratio <= GOALS.p99VsBare;
  const againstSocketIo = p99AgainstSocketIo(fanout, rates);

  return `### Fan-out into ${plan.members}-member groups

${formatCount(plan.groups * plan.members)} sockets: ${plan.groups} groups × ${plan.members} distinct users, one socket each. One member of every group sends
\`message.send\` over its socket; the total rate is spread evenly over the groups, and every message is delivered to
all ${plan.members} members (the sender included), so deliveries/s = ${plan.members} × messages/s. The text carries the send time;
receivers take now − sent (one machine, one clock). A step sends for ${plan.stepSeconds} s, then waits until every
delivery has arrived or none has for 3 s. *Achieved* is deliveries received / (last receipt − first send). A step
**passes** when nothing is lost (no error frames, no socket closed) and p99 < ${formatCount(P99_LIMIT_MS)} ms. The rates climb
until a step fails${plan.refinements ? `, then the gap between the last pass and that failure is halved ${plan.refinements} times (*refine*)` : ''}; a warm-up step is thrown away
first. The bare server (bench/bare-server.ts: rooms in a Map, the frame serialized once and sent to each member) and the
Socket.IO server (bench/socketio-server.ts: Socket.IO's rooms, \`io.to(room).emit\`, WebSocket transport only) get the
same clients and rates; the clients speak Socket.IO's packets to it themselves, at the same cost per frame. All three servers
hold their sockets throughout and their steps alternate (ours, then bare, then Socket.IO, at each rate), so that all meet
the machine in the same state: on a shared machine its speed drifts by tens of per cent over minutes. While one server is
measured, the others' sockets sit idle; were another server to ping many of its sockets in one burst (its heartbeat: ours,
or Socket.IO's when its sockets connected within a second or so), the step would start only when it can end before the next
burst, which would otherwise land on the measured server's figures. A failing step during which
the rest of the machine used more than ${formatRatio(DISTURBED_CPU)} of a core (another program) is repeated once the machine is
quiet; the detail table lists both. Each step is otherwise measured once. A delivery frame is ${formatCount(frameBytes(ours))} bytes from our server (the whole
message: ids, seq, sender, times…), ${formatCount(frameBytes(bare))} bytes from the bare one and ${formatCount(frameBytes(socketIo))} from Socket.IO. Our server also pings each socket
every ${loadConfig(settings).realtime.heartbeatMs / 1000} s (its heartbeat; the bare server has none; Socket.IO's engine.io pings every ${SOCKET_IO_HEARTBEAT_MS / 1000} s too): see *ping → pong* under idle connections for what that costs
the server's responsiveness.

${table}

- Highest rate without loss and with p99 < ${formatCount(P99_LIMIT_MS)} ms: ours **${floor(ours)}${formatCount(highest(ours))}** deliveries/s, bare \`ws\`
  **${floor(bare)}${formatCount(highest(bare))}** deliveries/s, Socket.IO **${floor(socketIo)}${formatCount(highest(socketIo))}** deliveries/s.
- **Goal** ours ≥ ${formatRatio(GOALS.fanoutRatio)} of bare: ${Number.isFinite(ratio) ? `${formatRatio(ratio)}, ` : ''}**${ratioMet ? 'met' : 'not met'}**${
    ratioMet || !Number.isFinite(ratio) ? '' : ` (short by ${formatCount(GOALS.fanoutRatio * highest(bare) - highest(ours))} deliveries/s)`
  }${ours.neverFailed || bare.neverFailed ? ' (a server that never failed has only a floor; the ratio is indicative)' : ''}.
- p99 at ${formatCount(REFERENCE_DELIVERIES)} deliveries/s: ours ${oursRef ? `${ms(oursRef.p99)} ms` : 'not measured'}, bare ${bareRef ? `${ms(bareRef.p99)} ms` : 'not measured'}. **Goal** ours ≤ ${GOALS.p99VsBare} × bare: ${
    Number.isFinite(p99Ratio) ? `${p99Ratio.toFixed(2)} ×, ` : ''
  }**${p99Met ? 'met' : 'not met'}**${oursRef && oursRef.lost > 0 ? ` (ours lost ${formatCount(oursRef.lost)} deliveries at that rate)` : ''}.
- Against Socket.IO (information, not one of our goals): p99 ours / Socket.IO at each rate, in ms: ${againstSocketIo.perRate}. Our p99
  below Socket.IO's at every rate up to the bare server's saturation (${againstSocketIo.upTo}): **${againstSocketIo.met ? 'met' : 'not met'}**.

Each step in detail (CPU as a share of one core over the step and its drain; *clients* are the load generator's
${FANOUT_GENERATORS} processes together, *busiest loop* the event-loop use of the busier one; when that nears 100 % the clients, not the
server, set the pace; *CPU elsewhere* is the rest of the machine: kernel work not charged to a process, such as part of
the loopback network's, and any other program running at the time, PostgreSQL and Redis included when used; *machine busy* is all of it over all ${cpuCount} CPUs):

${details}
${profileSection(fanout)}`;
}

/**
 * Our p99 against Socket.IO's at each rate, and whether ours is lower at every rate up to the bare
 * server's saturation (its highest passing rate; all rates when it never failed). A rate one server
 * did not run is compared only when that server had already failed below it: then the other is
 * lower if it passed there.
 */
function p99AgainstSocketIo(fanout: NonNullable<Results['fanout']>, rates: number[]): { perRate: string; upTo: string; met: boolean } {
  const { ours, bare, socketIo } = fanout;
  const at = (run: FanoutRun, rate: number) => run.steps.find((s) => s.messagesPerSecond === rate);
  const failedBy = (run: FanoutRun, rate: number) => run.steps.some((s) => !s.passed && s.messagesPerSecond <= rate);
  const perRate = rates.map((rate) => `${rate}/s: ${ms(at(ours, rate)?.p99 ?? NaN)} / ${ms(at(socketIo, rate)?.p99 ?? NaN)}`).join('; ');
  const saturation = bare.neverFailed ? Math.max(0, ...rates) : bare.highestPassing;
  const compared = rates.filter((rate) => rate <= saturation);
  const oursBelow = (rate: number): boolean | undefined => {
    const mine = at(ours, rate);
    const theirs = at(socketIo, rate);
    if (mine && theirs) return mine.p99 < theirs.p99;
    if (!mine) return failedBy(ours, rate) ? false : undefined;
    return failedBy(socketIo, rate) ? mine.passed : undefined;
  };
  const verdicts = compared.map(oursBelow).filter((v) => v !== undefined);
  const upTo =
    compared.length === 0
      ? 'the bare server passed no rate, so nothing to compare'
      : `${formatCount(saturation)} messages/s${bare.neverFailed ? ', the highest measured; the bare server never failed' : ''}`;
  return { perRate, upTo, met: verdicts.length > 0 && verdicts.every(Boolean) };
}

/** The busiest components and functions of a CPU profile, as two small tables. */
function profileTables(summary: ProfileSummary, rows = 8): string {
  const busy = (name: string) => name !== '(idle)';
  const components = markdownTable(
    [['component (self time)', 'share of samples'], ...summary.components.filter((c) => busy(c.name)).slice(0, rows).map((c) => [c.name, formatRatio(c.selfShare)])],
    ['l', 'r'],
  );
  const functions = markdownTable(
    [
      ['function (self time)', 'where', 'share of samples'],
      ...summary.entries
        .filter((e) => busy(e.name))
        .slice(0, rows)
        .map((e) => [`\`${e.name}\``, e.where ? `\`${e.where}\`` : 'native', formatRatio(e.selfShare)]),
    ],
    ['l', 'l', 'r'],
  );
  return `${components}\n\n${functions}`;
}

function profileSection(fanout: NonNullable<Results['fanout']>): string {
  const block = (label: string, run: FanoutRun) => {
    if (!run.profile) return '';
    const { summary, step } = run.profile;
    return `\n**${label}**: ${formatRatio(1 - summary.idleShare)} of the main thread's samples busy; that step achieved ${formatCount(step.achieved)} deliveries/s, p99 ${ms(step.p99)} ms.\n\n${profileTables(summary)}\n`;
  };
  const body = block('ours', fanout.ours) + block('bare ws', fanout.bare) + block('Socket.IO', fanout.socketIo);
  if (!body) return '';
  return `
#### Where the time goes at ${formatCount(REFERENCE_DELIVERIES)} deliveries/s

A CPU profile of each server's main thread (V8's sampling profiler through the inspector, 1 ms interval) over
${plan.profileSeconds} s at that rate, taken after the measured steps; profiling slows the server, so this step is not in the
tables above. *native* is time in C++ called from JavaScript, e.g. \`writev()\` is the socket write system call.
${body}`;
}

function persistSection(results: NonNullable<Results['persist']>, storage: BenchEnvironment['storage']): string {
  const persist = results.runs;
  const med = (pick: (r: PersistRun) => number) => median(persist.map(pick));
  const rest = med((r) => r.rest.requestsPerSecondMean);
  const ws = med((r) => r.ws.perSecond);
  const table = markdownTable(
    [
      ['path', 'clients', 'in flight', 'sends/s', 'p50 (ms)', 'p99 (ms)', 'server CPU', 'CPU elsewhere', 'sends/s per run'],
      [
        'REST `POST /api/v1/chats/:id/messages`',
        `${PERSIST.restConnections} connections`,
        String(PERSIST.restConnections),
        formatCount(rest),
        ms(med((r) => r.rest.latencyP50Ms)),
        ms(med((r) => r.rest.latencyP99Ms)),
        formatRatio(med((r) => r.restCpu.server)),
        formatRatio(med((r) => r.restCpu.elsewhere)),
        persist.map((r) => formatCount(r.rest.requestsPerSecondMean)).join(', '),
      ],
      [
        'WebSocket `message.send` → `message.ack`',
        `${PERSIST.chats * PERSIST.wsSocketsPerChat} sockets`,
        String(PERSIST.chats * PERSIST.wsSocketsPerChat * PERSIST.wsWindow),
        formatCount(ws),
        ms(med((r) => r.ws.p50)),
        ms(med((r) => r.ws.p99)),
        formatRatio(med((r) => r.ws.cpu.server)),
        formatRatio(med((r) => r.ws.cpu.elsewhere)),
        persist.map((r) => formatCount(r.ws.perSecond)).join(', '),
      ],
    ],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
  );
  const reordered = persist.reduce((n, r) => n + r.ws.reordered, 0);
  const unanswered = persist.reduce((n, r) => n + r.ws.unanswered, 0);
  const applies = storage.engine === 'SQLite';
  const judge = (label: string, perSecond: number) =>
    `${label} ${formatCount(perSecond)}/s, ${formatRatio(perSecond / GOALS.persistedPerSecond)} of the goal: **${perSecond >= GOALS.persistedPerSecond ? 'met' : 'not met'}**`;
  const verdict = `${judge('over REST', rest)}; ${judge('over WebSocket', ws)}`;
  return `### Persisted sends

Messages stored and acknowledged, on ${storage.engine}: REST with autocannon (a Bearer token, ${PERSIST.chats} groups of
${PERSIST.membersPerChat} members, each connection cycling over them, a unique \`clientId\` per request), and WebSocket
\`message.send\` frames from ${PERSIST.chats * PERSIST.wsSocketsPerChat} sockets (${PERSIST.wsSocketsPerChat} members per group), each keeping ${PERSIST.wsWindow} sends in flight
and sending the next on each \`message.ack\` (the server stores one socket's sends into a chat one after another);
latency is send → ack. Members without a socket get nothing delivered;
the WebSocket senders receive each other's messages. ${plan.persistWarmupSeconds} s warm-up, then ${plan.persistSeconds} s; median of ${persist.length} run${persist.length === 1 ? '' : 's'}.
CPU as a share of one core over warm-up and measurement; *elsewhere* as in the fan-out's detail table (the clients,
autocannon in the benchmark's own process or the WebSocket load generator, are not counted there).
The bare and Socket.IO servers store nothing, so persisted sends have no counterpart on them.

${table}

**Goal** ≥ ${formatCount(GOALS.persistedPerSecond)} persisted sends/s on SQLite${applies ? '' : ' (this run is on PostgreSQL; the figure is for comparison)'}: ${verdict}.${
    reordered ? ` Over WebSocket, ${formatCount(reordered)} acks carried a lower seq than a message the same socket had sent before (sends on one socket are stored out of order).` : ''
  }${unanswered ? ` ${formatCount(unanswered)} sends over WebSocket got no answer within 10 s of the end.` : ''}
${syncCostSection(results)}
${persistProfiles(results)}`;
}

/** Persisted sends with sync recording against the same server without it, run by run. */
function syncCostSection(results: NonNullable<Results['persist']>): string {
  const { runs: withSync, withoutSync } = results;
  if (withoutSync.length === 0) return '';
  const rows = [
    { label: 'REST', pick: (r: PersistRun) => r.rest.requestsPerSecondMean },
    { label: 'WebSocket', pick: (r: PersistRun) => r.ws.perSecond },
  ].map(({ label, pick }) => {
    const ratios = withSync.map((r, i) => pick(r) / pick(withoutSync[i]!));
    const ratio = median(ratios);
    return {
      ratio,
      cells: [
        label,
        formatCount(median(withSync.map(pick))),
        formatCount(median(withoutSync.map(pick))),
        formatRatio(ratio),
        ratios.map(formatRatio).join(', '),
        ratio >= GOALS.withSyncVsWithout ? 'met' : '**not met**',
      ],
    };
  });
  const table = markdownTable(
    [['path', 'sends/s, recording', 'sends/s, `SYNC_ENABLED=false`', 'ratio (median of runs)', 'ratio per run', `goal ≥ ${formatRatio(GOALS.withSyncVsWithout)}`], ...rows.map((r) => r.cells)],
    ['l', 'r', 'r', 'r', 'l', 'l'],
  );
  return `
#### What recording events for sync costs a send

Every message is also appended to the sync log before it goes out: one row for the event, naming its audience (the set
of its recipients, written once per set), in batches. Each run measured the server as above, then the same server started on the same database
with \`SYNC_ENABLED=false\`; the ratio is taken within each run, and the median of those is the figure.

${table}
`;
}

function persistProfiles(results: NonNullable<Results['persist']>): string {
  if (!results.restProfile || !results.wsProfile) return '';
  const block = (label: string, summary: ProfileSummary, perSecond: number) =>
    `**${label}** (${formatCount(perSecond)}/s while profiled; ${formatRatio(1 - summary.idleShare)} of the main thread's samples busy):\n\n${profileTables(summary)}`;
  return `
#### Where the time goes in a persisted send

CPU profiles of the server's main thread over ${plan.profileSeconds} s of each path, after the measured runs (not in the table above).

${block('REST', results.restProfile.summary, results.restProfile.perSecond)}

${block('WebSocket', results.wsProfile.summary, results.wsProfile.perSecond)}
`;
}

function report(results: Results): string {
  const machine = describeMachine();
  const on = results.storage.engine === 'SQLite' ? 'SQLite' : `PostgreSQL${results.storage.redis ? ' + Redis' : ''}`;
  const env = Object.entries(settings)
    .filter(([name]) => name !== 'AUTH_SECRET')
    .map(([name, value]) => `\`${name}=${value}\``)
    .join(', ');
  const parts = [
    `## Real time on ${on}${partialRun ? `: ${only.join(', ')} only` : ''} (npm run bench:realtime)

_Generated by \`bench/realtime.ts\`; this section is rewritten on every run._

- **Date:** ${results.started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(machine)}
- **Storage:** ${results.storage.engine}, Redis ${results.storage.redis ? 'yes' : 'no'}
- **Command:** \`${commandLine('bench:realtime')}\`${quick ? ' (a smoke run: fewer connections and steps; not comparable with a full run)' : ''}
- **Run time:** ${((Date.now() - results.started.getTime()) / 60_000).toFixed(1)} min, building included
- **Background load:** ${formatRatio(results.backgroundCpu)} of one core busy over 3 s just before the servers started (other programs, kernel)
- **Our server:** the built app (\`node dist/main.js\`), one process unless said otherwise, ${env}, a random
  \`AUTH_SECRET\`, heartbeats at the default ${loadConfig(settings).realtime.heartbeatMs / 1000} s; ${results.argon2}; ${formatCount(results.users)} accounts made over HTTP before measuring.
- **Bare server:** \`bench/bare-server.ts\`, plain \`ws\` on Node's HTTP server: no auth, no storage.
- **Socket.IO server:** \`bench/socketio-server.ts\`, Socket.IO ${socketIoVersion()} on Node's HTTP server, WebSocket transport only, no
  compression, rooms and \`io.to(room).emit\`, its default heartbeat (${SOCKET_IO_HEARTBEAT_MS / 1000} s): no auth, no storage.
- **Clients:** plain \`ws\` sockets in child processes of the benchmark (at most ${formatCount(SOCKETS_PER_GENERATOR)} sockets each), on the same
  machine as the server, from source addresses 127.0.0.x (one address reaches one port about 28,000 times); the
  clients only compare a prefix and read the timestamp of each frame. To the Socket.IO server they speak its packets
  themselves (engine.io 4 over the same sockets, not socket.io-client) and answer its pings. Every process runs with its open-file limit
  raised to the hard limit. Servers and clients share the ${machine.cpuCount} CPU${machine.cpuCount === 1 ? '' : 's'}: figures are a floor.`,
  ];
  if (results.idle) parts.push(idleSection(results.idle));
  if (results.fanout) parts.push(fanoutSection(results.fanout));
  if (results.persist) parts.push(persistSection(results.persist, results.storage));
  return parts.join('\n\n') + '\n';
}

// --- main -----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const started = new Date();
  const { argon2 } = loadConfig(settings).auth;
  const argon2Text = argon2Line(argon2);
  console.log(`bench:realtime — ${quick ? 'quick' : 'full'} run of ${only.join(', ')}`);
  const clock = () => `[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(3)} s]`;
  console.log('building…');
  await runNpmScript('build');

  let environment: BenchEnvironment | undefined;
  const cleanup = cleanupOnExit(async () => {
    try {
      await Promise.all([...running].map((p) => p.stop()));
    } finally {
      await environment?.cleanup();
    }
  });

  let ours: Target | undefined;
  try {
    // Other programs on the machine skew every figure; measure how busy it is before starting.
    const background = cpuMeter([]);
    await sleep(3000);
    const backgroundCpu = background.stop().elsewhere;
    if (backgroundCpu > 0.2) console.warn(`warning: the machine is busy before the run (${formatRatio(backgroundCpu)} of a core elsewhere); figures will be low`);

    environment = await createBenchEnvironment(settings);
    const { storage } = environment;
    console.log(`storage: ${storage.engine}, Redis ${storage.redis ? 'yes' : 'no'}`);
    ours = await startTarget('our server', environment);
    const url = ours.server.url;

    const needed = Math.max(
      only.includes('idle') ? plan.idleUsers : 0,
      only.includes('fanout') ? plan.groups * plan.members : 0,
      only.includes('persist') ? PERSIST.chats * PERSIST.membersPerChat : 0,
    );
    console.log(`creating ${formatCount(needed)} accounts…`);
    const users = await createUsers(url, needed);
    const results: Results = { started, storage, argon2: argon2Text, users: needed, backgroundCpu };

    if (only.includes('idle')) {
      const tokens = users.slice(0, plan.idleUsers).map((u) => u.token);
      console.log(`${clock()} idle: ${formatCount(plan.idleConnections)} connections into our server`);
      const oursIdle = await measureIdle([ours], plan.idleConnections, tokens, ADDRESSES.idle, plan.probeSeconds);
      console.log(`  ${kib(oursIdle.bytesPerConnection)} KiB per connection`);

      console.log(`${clock()} idle: ${formatCount(plan.idleConnections)} connections into the bare server`);
      const bare = await startBareServer(environment);
      let bareIdle: IdleResult;
      try {
        bareIdle = await measureIdle([bare], plan.idleConnections, [], ADDRESSES.bareIdle, plan.probeSeconds);
      } finally {
        await stopTarget(bare);
      }
      console.log(`  ${kib(bareIdle.bytesPerConnection)} KiB per connection`);

      console.log(`${clock()} idle: ${formatCount(plan.idleConnections)} connections into the Socket.IO server`);
      const socketIo = await startSocketIoServer(environment);
      let socketIoIdle: IdleResult;
      try {
        socketIoIdle = await measureIdle([socketIo], plan.idleConnections, [], ADDRESSES.socketIoIdle, plan.probeSeconds);
      } finally {
        await stopTarget(socketIo);
      }
      console.log(`  ${kib(socketIoIdle.bytesPerConnection)} KiB per connection`);

      let twoProcess: IdleResult | undefined;
      let twoProcessWhyNot: string | undefined;
      if (storage.engine === 'PostgreSQL' && storage.redis) {
        console.log(`${clock()} idle: ${formatCount(plan.twoProcessConnections)} connections over two of our processes`);
        const second = await startTarget('our second server', environment);
        try {
          twoProcess = await measureIdle([ours, second], plan.twoProcessConnections / 2, tokens, ADDRESSES.twoProcess);
        } finally {
          await stopTarget(second);
        }
        console.log(`  ${kib(twoProcess.bytesPerConnection)} KiB per connection`);
      } else {
        twoProcessWhyNot =
          storage.engine === 'SQLite'
            ? 'two processes on SQLite cannot share the in-process event bus (each would deliver only to its own sockets), so the two-process figure needs `DATABASE_URL` and `REDIS_URL`.'
            : 'without `REDIS_URL` the event bus is in-process, so two processes would not deliver to each other’s sockets.';
      }
      results.idle = { ours: oursIdle, bare: bareIdle, socketIo: socketIoIdle, twoProcess, twoProcessWhyNot };
    }

    if (only.includes('fanout')) {
      console.log(`${clock()} fan-out: creating ${plan.groups} groups of ${plan.members}`);
      const groups: { chatId: number; members: User[] }[] = [];
      for (let g = 0; g < plan.groups; g++) {
        const members = users.slice(g * plan.members, (g + 1) * plan.members);
        groups.push({ chatId: await createGroup(url, members[0]!, members, `fan-out ${g + 1}`), members });
      }
      // Ours: each member's token, the group's chat; the yardsticks: room g + 1, in their own query syntax.
      const specsFor = (server: 'ours' | 'bare' | 'socket.io', first: number): ConnectionSpec[][] => {
        let k = 0;
        return groups.map(({ chatId, members }, g) =>
          members.map((member, i) => ({
            path: server === 'ours' ? '' : `${server === 'bare' ? '?' : '&'}room=${g + 1}`,
            protocol: server === 'socket.io' ? 'socket.io' : 'messenger',
            token: server === 'ours' ? member.token : undefined,
            localAddress: sourceAddress(k++, first),
            chatId: server === 'ours' ? chatId : g + 1,
            sender: i === 0,
          })),
        );
      };
      const bare = await startBareServer(environment);
      const socketIo = await startSocketIoServer(environment);
      const climbs: Climb[] = [];
      try {
        console.log('fan-out: connecting the three servers\' clients');
        climbs.push(await connectClimb('ours', ours, specsFor('ours', ADDRESSES.fanout), loadConfig(settings).realtime.heartbeatMs));
        climbs.push(await connectClimb('bare', bare, specsFor('bare', ADDRESSES.bareFanout), undefined));
        climbs.push(await connectClimb('socket.io', socketIo, specsFor('socket.io', ADDRESSES.socketIoFanout), SOCKET_IO_HEARTBEAT_MS));
        const [oursFanout, bareFanout, socketIoFanout] = await measureFanout(climbs, true);
        results.fanout = { ours: oursFanout!, bare: bareFanout!, socketIo: socketIoFanout! };
      } finally {
        await stopGenerators(climbs.flatMap((c) => c.generators));
        await stopTarget(bare);
        await stopTarget(socketIo);
        await waitUntilQuiet([ours.pid], { timeoutMs: 60_000 });
      }
    }

    if (only.includes('persist')) {
      console.log(`${clock()} persisted sends: ${runs} run(s)`);
      const owner = users[0]!;
      const chatIds: number[] = [];
      const wsSenders: { user: User; chatId: number }[] = [];
      for (let c = 0; c < PERSIST.chats; c++) {
        const members = [owner, ...users.slice(1 + c * (PERSIST.membersPerChat - 1), 1 + (c + 1) * (PERSIST.membersPerChat - 1))];
        const chatId = await createGroup(url, owner, members, `persisted ${c + 1}`);
        chatIds.push(chatId);
        for (let s = 1; s <= PERSIST.wsSocketsPerChat; s++) wsSenders.push({ user: members[s]!, chatId });
      }
      const setupFor = (target: Target): PersistSetup => ({ url: target.server.url, target, owner, chatIds, wsSenders });
      const persist: PersistRun[] = [];
      const withoutSync: PersistRun[] = [];
      // Each run measures the server as configured, then the same server on the same database with
      // sync recording off (SYNC_ENABLED=false), one after the other: what recording costs a send.
      for (let i = 1; i <= runs; i++) {
        console.log(`run ${i}/${runs}, recording events for sync`);
        persist.push(await measurePersistOnce(setupFor(ours)));
        await stopTarget(ours);
        ours = undefined;
        const plain = await startTarget('our server without sync', environment, { extraEnv: { SYNC_ENABLED: 'false' } });
        try {
          console.log(`run ${i}/${runs}, without sync`);
          withoutSync.push(await measurePersistOnce(setupFor(plain)));
        } finally {
          await stopTarget(plain);
        }
        ours = await startTarget('our server', environment);
      }
      console.log('  profiling both paths');
      const rest = await profiled(ours, () => persistOverRest(setupFor(ours!), plan.profileSeconds, 0));
      const ws = await profiled(ours, () => persistOverWebSocket(setupFor(ours!), plan.profileSeconds, 0));
      results.persist = {
        runs: persist,
        withoutSync,
        restProfile: { summary: rest.summary, perSecond: rest.value.requestsPerSecondMean },
        wsProfile: { summary: ws.summary, perSecond: ws.value.perSecond },
      };
    }

    const section = report(results);
    // A run of some scenarios has a section of its own, so the full run's figures stay.
    await writeSection(`realtime${storage.engine === 'SQLite' ? '' : '-postgres'}${partialRun ? `-${only.join('-')}` : ''}`, section);
    console.log(`\n${section}\nwritten to docs/BENCHMARKS.md`);
  } catch (error) {
    if (ours) console.error(`server output (last part):\n${ours.server.output() || '(none)'}`);
    throw error;
  } finally {
    if (ours) await stopTarget(ours);
    await cleanup();
  }
}

await main();
