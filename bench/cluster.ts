/**
 * `npm run bench:cluster`: several server processes of the built app on one PostgreSQL and one
 * Redis, and what each unit of work costs them: node CPU per delivery and per persisted message,
 * memory per socket, Redis commands and bytes per message, PostgreSQL WAL and stored bytes per
 * message. The figures feed a scale model (docs/SCALING.md); written to the "cluster-postgres"
 * section of docs/BENCHMARKS.md.
 *
 * Every node subscribes to the one delivery topic and receives every event; the sockets are spread
 * over all nodes but the last, which holds none: its CPU is what receiving events meant for nobody
 * on it costs (the price of broadcasting every event to every node).
 * Options: --nodes=N (default 4, at least 2), --quick (a short smoke run).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { DELIVER_TOPIC } from '../src/realtime/delivery.js';
import { commandLine, flagOption, integerOption } from './lib/args.js';
import { createBenchEnvironment, randomText, type BenchEnvironment } from './lib/environment.js';
import { createGroup, type User } from './lib/chat-setup.js';
import { requestJson } from './lib/http.js';
import { openInspector } from './lib/inspector.js';
import { createHistogram, merge, percentile } from './lib/latency.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { cpuMeter, cpuMs, machineCpuMs, rssKiB, waitUntilMachineQuiet, waitUntilQuiet } from './lib/proc-stats.js';
import { cleanupOnExit, freePort, runNpmScript, startBuiltServer, type ServerProcess } from './lib/process.js';
import { realtimeBenchSettings } from './lib/realtime-settings.js';
import { argon2Line, markdownTable, writeSection } from './lib/report.js';
import { formatCount, formatMs, formatRatio, median } from './lib/stats.js';
import { LoadGenerator, sourceAddress, type CloseCounts, type ConnectionSpec, type FanoutResult } from './lib/ws-load.js';

// --- plan -----------------------------------------------------------------------------------------
const quick = flagOption('quick');
const nodeCount = integerOption('nodes', 4);
const plan = quick
  ? { groups: 6, members: 50, rates: [50, 100], stepSeconds: 3, warmupSeconds: 1, idleSeconds: 2, settleSeconds: 2 }
  : { groups: 40, members: 50, rates: [50, 100, 200, 400, 800], stepSeconds: 10, warmupSeconds: 3, idleSeconds: 10, settleSeconds: 5 };
/** As many send-only groups as fan-out groups: the send-only steps then send at the same rate per sender. */
const sendOnlyGroups = plan.groups;
/** The fan-out groups are split over this many load-generator processes, whole groups each (a message's deliveries are counted where it was sent). */
const FANOUT_GENERATORS = 2;
const P99_LIMIT_MS = 1000;
/** First source address (127.0.0.x) of the fan-out sockets and of the send-only senders; see sourceAddress. */
const ADDRESSES = { fanout: 100, sendOnly: 120 };

const HOST = '127.0.0.1';
const metricsToken = randomText(32);
/** The real-time benchmarks' settings, and a token for reading each node's /metrics. */
const settings: Record<string, string> = { ...realtimeBenchSettings(), METRICS_TOKEN: metricsToken };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- processes ------------------------------------------------------------------------------------
interface ClusterNode {
  /** 1-based, as in the report. */
  number: number;
  server: ServerProcess;
  pid: number;
  url: string;
  wsUrl: string;
  inspectPort: number;
  /** Sockets the benchmark holds on this node. */
  sockets: number;
}

const running = new Set<{ stop(): Promise<unknown> }>();

async function startNode(number: number, environment: BenchEnvironment): Promise<ClusterNode> {
  const port = await freePort(HOST);
  const inspectPort = await freePort(HOST);
  const server = await startBuiltServer({
    env: environment.env,
    cwd: environment.dataDir,
    host: HOST,
    port,
    // Attached only for a garbage collection before memory is read.
    nodeArgs: [`--inspect=${HOST}:${inspectPort}`],
    raiseFileLimit: true,
    readyTimeoutMs: 60_000,
  });
  running.add(server);
  return { number, server, pid: server.child.pid!, url: server.url, wsUrl: `ws://${HOST}:${port}/api/v1/ws`, inspectPort, sockets: 0 };
}

async function stopNode(node: ClusterNode): Promise<void> {
  running.delete(node.server);
  const exit = await node.server.stop();
  if (exit !== 0) console.error(`node ${node.number} exited with ${String(exit)} after SIGTERM:\n${node.server.output()}`);
}

async function collectGarbage(node: ClusterNode): Promise<void> {
  const inspector = await openInspector(HOST, node.inspectPort);
  try {
    await inspector.collectGarbage();
  } finally {
    await inspector.close();
  }
}

// --- accounts and groups --------------------------------------------------------------------------
/** Registers and logs in `count` accounts, spreading the requests over `nodes`. */
async function createUsers(nodes: ClusterNode[], count: number, prefix: string): Promise<User[]> {
  const password = randomText(24);
  const users = new Array<User>(count);
  let next = 0;
  const worker = async (w: number) => {
    const url = nodes[w % nodes.length]!.url;
    while (next < count) {
      const i = next++;
      const username = `${prefix}${i}`;
      await requestJson(`${url}/api/v1/auth/register`, { body: { username, email: `${username}@example.com`, password }, expect: 201 });
      const session = await requestJson<{ accessToken: string; user: { id: number } }>(`${url}/api/v1/auth/login`, { body: { login: username, password }, expect: 200 });
      users[i] = { id: session.user.id, token: session.accessToken };
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
  return users;
}


// --- readings -------------------------------------------------------------------------------------
/** Sums the samples of one Prometheus counter whose labels include `labels` (e.g. `topic="deliver"`). */
function counter(exposition: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

interface NodeCounters {
  busReceived: number;
  busReceivedDeliver: number;
  busPublished: number;
  eventFrames: number;
  dbQueries: number;
}

async function readNodeCounters(node: ClusterNode): Promise<NodeCounters> {
  const response = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` }, signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`node ${node.number}: GET /metrics answered ${response.status}`);
  const text = await response.text();
  return {
    busReceived: counter(text, 'bus_received_total'),
    busReceivedDeliver: counter(text, 'bus_received_total', `topic="${DELIVER_TOPIC}"`),
    busPublished: counter(text, 'bus_published_total'),
    eventFrames: counter(text, 'ws_event_frames_total'),
    dbQueries: counter(text, 'db_queries_total'),
  };
}

interface RedisCounters {
  commands: number;
  netInBytes: number;
  netOutBytes: number;
  publishes: number;
  /** The size of the INFO reply itself, which the next reading counts as output. */
  replyBytes: number;
}

const INFO_COMMAND_BYTES = '*4\r\n$4\r\nINFO\r\n$5\r\nstats\r\n$3\r\ncpu\r\n$12\r\ncommandstats\r\n'.length;

async function readRedisCounters(redis: Redis): Promise<RedisCounters> {
  const info = await redis.info('stats', 'cpu', 'commandstats');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  return {
    commands: field('total_commands_processed'),
    netInBytes: field('total_net_input_bytes'),
    netOutBytes: field('total_net_output_bytes'),
    publishes: Number(/^cmdstat_publish:calls=(\d+)/m.exec(info)?.[1] ?? 0),
    // A bulk string: $<length>\r\n<body>\r\n.
    replyBytes: Buffer.byteLength(info) + String(Buffer.byteLength(info)).length + 5,
  };
}

/** Figures this benchmark reads from PostgreSQL through a connection of its own. */
interface PostgresReadings {
  walLsn: string;
  databaseBytes: number;
  tableBytes: Record<StoredTable, number>;
  messageRows: number;
  syncEventRows: number;
  /** Checkpoints so far (the whole server): after each, a page's first change puts all of it in the WAL. */
  checkpoints: number;
  /** Transactions so far in the server's other databases: their writes go to the same WAL. */
  otherTransactions: number;
}

const STORED_TABLES = ['messages', 'sync_events', 'sync_audiences', 'sync_audience_members'] as const;
type StoredTable = (typeof STORED_TABLES)[number];

async function readPostgres(client: pg.Client): Promise<PostgresReadings> {
  const sizes = STORED_TABLES.map((t) => `pg_total_relation_size('${t}') as "${t}"`).join(', ');
  const { rows } = await client.query<Record<string, string>>(
    `select pg_current_wal_lsn()::text as lsn, pg_database_size(current_database()) as db, ${sizes},
            (select count(*) from messages) as message_rows, (select count(*) from sync_events) as sync_event_rows,
            (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter) as checkpoints,
            (select sum(xact_commit + xact_rollback) from pg_stat_database where datname <> current_database()) as other_transactions`,
  );
  const row = rows[0]!;
  return {
    walLsn: row.lsn!,
    databaseBytes: Number(row.db),
    tableBytes: Object.fromEntries(STORED_TABLES.map((t) => [t, Number(row[t])])) as Record<StoredTable, number>,
    messageRows: Number(row.message_rows),
    syncEventRows: Number(row.sync_event_rows),
    checkpoints: Number(row.checkpoints),
    otherTransactions: Number(row.other_transactions),
  };
}

async function walBytesSince(client: pg.Client, lsn: string): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) as bytes', [lsn]);
  return Number(rows[0]!.bytes);
}

/** The server processes PostgreSQL runs for this database's connections (the nodes' pools), this benchmark's own left out. */
async function postgresBackends(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
  return rows.map((r) => r.pid);
}

/**
 * CPU (ms) the backends used between two readings. Pools open and close connections: a backend
 * that appeared meanwhile counts whole (its start-up is part of the cost); one that exited is
 * lost, but a pool closes only connections idle for a while, which used little in the window.
 */
function backendCpuMs(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

function readCpus(pids: readonly number[]): Map<number, number> {
  const readings = new Map<number, number>();
  for (const pid of pids) {
    const ms = readCpu(pid);
    if (ms !== undefined) readings.set(pid, ms);
  }
  return readings;
}

function readCpu(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    return cpuMs(pid);
  } catch {
    return undefined;
  }
}

// --- the cluster under measurement ----------------------------------------------------------------
interface Cluster {
  nodes: ClusterNode[];
  redis: Redis;
  redisPid?: number;
  postgres: pg.Client;
  /** PostgreSQL's processes can be read in /proc. */
  postgresVisible: boolean;
  fanoutGenerators: LoadGenerator[];
  fanoutShares: number[];
  sendOnlyGenerator: LoadGenerator;
}

type StepKind = 'idle' | 'warm-up' | 'fan-out' | 'sends only';

interface StepResult {
  kind: StepKind;
  messagesPerSecond: number;
  seconds: number;
  sent: number;
  expected: number;
  received: number;
  lost: number;
  late: number;
  errors: number;
  firstError?: string;
  closes: CloseCounts;
  p50: number;
  p99: number;
  /** Shares of one core, per node (node 1 first). */
  nodeCpu: number[];
  nodeRssKiB: number[];
  redisCpu?: number;
  postgresCpu?: number;
  generatorCpu: number;
  /** The rest of the machine meanwhile: other programs, kernel work charged to no process. */
  elsewhereCpu: number;
  nodeCounters: NodeCounters[];
  redisCounters: RedisCounters;
  walBytes: number;
  databaseBytes: number;
  tableBytes: Record<StoredTable, number>;
  messageRows: number;
  syncEventRows: number;
  checkpoints: number;
  otherTransactions: number;
  /** Size of a delivery frame as received. */
  frameBytes: number;
  passed: boolean;
}

let stepNumber = 0;

function difference<T extends object>(after: T, before: T): T {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v as number) - (before as Record<string, number>)[k]!])) as T;
}

async function runStep(cluster: Cluster, kind: StepKind, messagesPerSecond: number, seconds: number): Promise<StepResult> {
  const { nodes } = cluster;
  const pids = nodes.map((n) => n.pid);
  // The idle step is subtracted from the others: it waits for a stricter quiet.
  await waitUntilQuiet(pids, kind === 'idle' ? { cpuShare: 0.03, windowMs: 2000, timeoutMs: 30_000 } : { cpuShare: 0.1, timeoutMs: 20_000 });
  // The machine is shared: give another program's burst a bounded time to pass; what remains shows as *elsewhere*.
  await waitUntilMachineQuiet({ timeoutMs: 20_000 });
  const step = ++stepNumber;
  const generators = kind === 'sends only' ? [cluster.sendOnlyGenerator] : cluster.fanoutGenerators;
  const shares = kind === 'sends only' ? [1] : cluster.fanoutShares;
  const generatorPids = [...cluster.fanoutGenerators, cluster.sendOnlyGenerator].map((g) => g.pid);

  // Scrapes and queries come before the CPU readings and after the closing ones, so that what
  // answering them costs stays out of the window.
  const countersBefore = await Promise.all(nodes.map(readNodeCounters));
  const postgresBefore = await readPostgres(cluster.postgres);
  const redisBefore = await readRedisCounters(cluster.redis);
  const backendPids = await postgresBackends(cluster.postgres);
  const startedAt = performance.now();
  const machineBefore = machineCpuMs();
  const selfBefore = process.cpuUsage();
  const nodeCpuBefore = pids.map(cpuMs);
  const generatorCpuBefore = generatorPids.map(cpuMs);
  const redisCpuBefore = readCpu(cluster.redisPid);
  const backendsBefore = cluster.postgresVisible ? readCpus(backendPids) : undefined;

  let results: FanoutResult[] = [];
  if (kind === 'idle') {
    await sleep(seconds * 1000);
  } else {
    results = await Promise.all(
      generators.map((g, i) =>
        g.request<FanoutResult>({ type: 'fanout', step, messagesPerSecond: messagesPerSecond * shares[i]!, durationMs: seconds * 1000, drainQuietMs: 3000, drainMaxMs: 30_000 }),
      ),
    );
  }

  const backendsAfter = cluster.postgresVisible ? readCpus(await postgresBackends(cluster.postgres)) : undefined;
  const redisCpuAfter = readCpu(cluster.redisPid);
  const generatorUsed = generatorPids.map((pid, i) => cpuMs(pid) - generatorCpuBefore[i]!);
  const nodeUsed = pids.map((pid, i) => cpuMs(pid) - nodeCpuBefore[i]!);
  const self = process.cpuUsage(selfBefore);
  const machineUsed = machineCpuMs() - machineBefore;
  const elapsed = performance.now() - startedAt;
  const redisAfter = await readRedisCounters(cluster.redis);
  const walBytes = await walBytesSince(cluster.postgres, postgresBefore.walLsn);
  const postgresAfter = await readPostgres(cluster.postgres);
  const countersAfter = await Promise.all(nodes.map(readNodeCounters));
  const nodeRssKiB = pids.map(rssKiB);

  const redisUsed = redisCpuBefore !== undefined && redisCpuAfter !== undefined ? redisCpuAfter - redisCpuBefore : undefined;
  const postgresUsed = backendsBefore && backendsAfter ? backendCpuMs(backendsBefore, backendsAfter) : undefined;
  const sum = (pick: (r: FanoutResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const histogram = createHistogram();
  for (const r of results) merge(histogram, r.histogram);
  const closes: CloseCounts = {};
  for (const r of results) for (const [code, n] of Object.entries(r.closes)) closes[code] = (closes[code] ?? 0) + n;
  const expected = sum((r) => r.expected);
  const received = sum((r) => r.received);
  const errors = sum((r) => r.errors);
  const p99 = percentile(histogram, 0.99);
  const redisDelta = difference(redisAfter, redisBefore);
  // The reading before the window is itself counted by the one after: one command, its reply, and the closing INFO's request.
  const redisCounters: RedisCounters = {
    commands: redisDelta.commands - 1,
    netInBytes: redisDelta.netInBytes - INFO_COMMAND_BYTES,
    netOutBytes: redisDelta.netOutBytes - redisBefore.replyBytes,
    publishes: redisDelta.publishes,
    replyBytes: 0,
  };
  const elsewhere = machineUsed - nodeUsed.reduce((a, b) => a + b, 0) - generatorUsed.reduce((a, b) => a + b, 0) - (redisUsed ?? 0) - (postgresUsed ?? 0) - (self.user + self.system) / 1000;
  const result: StepResult = {
    kind,
    messagesPerSecond,
    seconds: elapsed / 1000,
    sent: sum((r) => r.sent),
    expected,
    received,
    lost: Math.max(0, expected - received),
    late: sum((r) => r.late),
    errors,
    firstError: results.find((r) => r.firstError)?.firstError,
    closes,
    p50: percentile(histogram, 0.5),
    p99,
    nodeCpu: nodeUsed.map((ms) => ms / elapsed),
    nodeRssKiB,
    redisCpu: redisUsed === undefined ? undefined : redisUsed / elapsed,
    postgresCpu: postgresUsed === undefined ? undefined : postgresUsed / elapsed,
    generatorCpu: generatorUsed.reduce((a, b) => a + b, 0) / elapsed,
    elsewhereCpu: Math.max(0, elsewhere) / elapsed,
    nodeCounters: countersAfter.map((after, i) => difference(after, countersBefore[i]!)),
    redisCounters,
    walBytes,
    databaseBytes: postgresAfter.databaseBytes - postgresBefore.databaseBytes,
    tableBytes: Object.fromEntries(STORED_TABLES.map((t) => [t, postgresAfter.tableBytes[t] - postgresBefore.tableBytes[t]])) as Record<StoredTable, number>,
    messageRows: postgresAfter.messageRows - postgresBefore.messageRows,
    syncEventRows: postgresAfter.syncEventRows - postgresBefore.syncEventRows,
    checkpoints: postgresAfter.checkpoints - postgresBefore.checkpoints,
    otherTransactions: postgresAfter.otherTransactions - postgresBefore.otherTransactions,
    frameBytes: Math.max(0, ...results.map((r) => r.frameBytes)),
    passed: kind === 'idle' || (expected > 0 && received >= expected && errors === 0 && Object.keys(closes).length === 0 && p99 < P99_LIMIT_MS),
  };
  console.log(
    `  ${kind.padEnd(10)} ${String(messagesPerSecond).padStart(4)} msg/s: ${formatCount(received)}/${formatCount(expected)} delivered, lost ${formatCount(result.lost)}, ` +
      `p50 ${ms(result.p50)} ms, p99 ${ms(p99)} ms; CPU nodes ${result.nodeCpu.map(formatRatio).join(' / ')}, Redis ${share(result.redisCpu)}, ` +
      `PostgreSQL ${share(result.postgresCpu)}, clients ${formatRatio(result.generatorCpu)}, elsewhere ${formatRatio(result.elsewhereCpu)}; ` +
      `Redis ${formatCount(redisCounters.commands)} commands, WAL ${kib(walBytes)} KiB, ${formatCount(result.messageRows)} messages stored` +
      `${errors ? `, ${errors} errors (${result.firstError})` : ''}${Object.keys(closes).length ? `, closes ${JSON.stringify(closes)}` : ''}${result.passed ? '' : ` — FAIL (${failure(result)})`}`,
  );
  return result;
}

/** Why a step does not count: deliveries lost, error frames, closed sockets, or a p99 over the limit. */
function failure(s: StepResult): string {
  const reasons: string[] = [];
  if (s.lost > 0) reasons.push(`${formatCount(s.lost)} lost`);
  if (s.errors > 0) reasons.push(`${formatCount(s.errors)} error frames`);
  if (Object.keys(s.closes).length > 0) reasons.push('sockets closed');
  if (!(s.p99 < P99_LIMIT_MS)) reasons.push(`p99 ≥ ${formatCount(P99_LIMIT_MS)} ms`);
  return reasons.join(', ') || 'nothing received';
}

// --- per-unit costs -------------------------------------------------------------------------------
interface UnitCosts {
  /** Node CPU (µs) per delivery on the nodes holding sockets, everything included (the sends too), over the idle rate. */
  socketNodeUsPerDelivery: number;
  /** The same, with what a persisted send costs (the send-only step) taken out: the delivery alone. */
  socketNodeUsPerDeliveryNet?: number;
  /** Node CPU (µs) per message on the nodes holding sockets, in the send-only step. */
  socketNodeUsPerMessage?: number;
  bystanderUsPerBusMessage: number;
  bystanderUsPerMessage: number;
  busMessagesPerMessage: number;
  redisCommandsPerMessage: number;
  redisInBytesPerMessage: number;
  redisOutBytesPerMessage: number;
  redisUsPerMessage?: number;
  dbStatementsPerMessage: number;
  syncEventsPerMessage: number;
  walBytesPerMessage: number;
  storedBytesPerMessage: number;
  tableBytesPerMessage: Record<StoredTable, number>;
  postgresUsPerMessage?: number;
}

/** CPU ms a step used beyond what the cluster uses at rest over the same time. */
const overIdle = (share: number, idleShare: number, seconds: number) => (share - idleShare) * seconds * 1000;

function unitCosts(stepResult: StepResult, idle: StepResult, sendOnly: StepResult | undefined, socketNodes: number[], bystander: number): UnitCosts {
  const s = stepResult;
  const messages = s.messageRows || s.sent;
  const socketNodeMs = socketNodes.reduce((n, i) => n + overIdle(s.nodeCpu[i]!, idle.nodeCpu[i]!, s.seconds), 0);
  const perMessage = sendOnly ? unitMessageCost(sendOnly, idle, socketNodes) : undefined;
  const bystanderMs = overIdle(s.nodeCpu[bystander]!, idle.nodeCpu[bystander]!, s.seconds);
  const bus = s.nodeCounters[bystander]!.busReceived;
  const publishedByNodes = s.nodeCounters.reduce((n, c) => n + c.busPublished, 0);
  const idleRate = (value: number | undefined, idleValue: number | undefined) =>
    value === undefined || idleValue === undefined ? undefined : (overIdle(value, idleValue, s.seconds) * 1000) / messages;
  return {
    socketNodeUsPerDelivery: (socketNodeMs * 1000) / s.received,
    socketNodeUsPerDeliveryNet: perMessage === undefined ? undefined : ((socketNodeMs - (perMessage * messages) / 1000) * 1000) / Math.max(1, s.received - messages),
    socketNodeUsPerMessage: perMessage,
    bystanderUsPerBusMessage: (bystanderMs * 1000) / Math.max(1, bus),
    bystanderUsPerMessage: (bystanderMs * 1000) / messages,
    busMessagesPerMessage: publishedByNodes / messages,
    redisCommandsPerMessage: s.redisCounters.commands / messages,
    redisInBytesPerMessage: s.redisCounters.netInBytes / messages,
    redisOutBytesPerMessage: s.redisCounters.netOutBytes / messages,
    redisUsPerMessage: idleRate(s.redisCpu, idle.redisCpu),
    dbStatementsPerMessage: s.nodeCounters.reduce((n, c) => n + c.dbQueries, 0) / messages,
    syncEventsPerMessage: s.syncEventRows / messages,
    walBytesPerMessage: s.walBytes / messages,
    storedBytesPerMessage: s.databaseBytes / messages,
    tableBytesPerMessage: Object.fromEntries(STORED_TABLES.map((t) => [t, s.tableBytes[t] / messages])) as Record<StoredTable, number>,
    postgresUsPerMessage: idleRate(s.postgresCpu, idle.postgresCpu),
  };
}

/** Node CPU (µs) per persisted message on the socket nodes in the send-only step (each message also reaches its sender's socket). */
function unitMessageCost(sendOnly: StepResult, idle: StepResult, socketNodes: number[]): number {
  const ms = socketNodes.reduce((n, i) => n + overIdle(sendOnly.nodeCpu[i]!, idle.nodeCpu[i]!, sendOnly.seconds), 0);
  return (ms * 1000) / Math.max(1, sendOnly.messageRows || sendOnly.sent);
}

// --- report ---------------------------------------------------------------------------------------
const ms = (value: number) => (Number.isFinite(value) ? formatMs(value) : '—');
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const share = (value: number | undefined) => (value === undefined ? '—' : formatRatio(value));
const figure = (value: number | undefined, digits = 0) => (value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

interface Results {
  started: Date;
  storage: BenchEnvironment['storage'];
  argon2: string;
  nodes: ClusterNode[];
  /** What the machine was busy with before the run, as a share of one core. */
  backgroundCpu: number;
  subscribers: number;
  connectSeconds: number;
  rssPerSocketKiB: (number | undefined)[];
  rssBeforeKiB: number[];
  rssAfterKiB: number[];
  frameBytes: number;
  idle: StepResult;
  steps: StepResult[];
  /** The send-only step at each fan-out step's rate, in the same order. */
  sendOnly: StepResult[];
}

function stepTable(s: StepResult, nodes: ClusterNode[]): string {
  const rows: string[][] = [['process', 'sockets', 'CPU (share of a core)', 'RSS after (MiB)', 'bus messages received', 'bus messages published', 'event frames written', 'SQL statements']];
  nodes.forEach((node, i) => {
    const c = s.nodeCounters[i]!;
    rows.push([
      `node ${node.number}${node.sockets === 0 ? ' (bystander)' : ''}`,
      formatCount(node.sockets),
      formatRatio(s.nodeCpu[i]!),
      (s.nodeRssKiB[i]! / 1024).toFixed(1),
      formatCount(c.busReceived),
      formatCount(c.busPublished),
      formatCount(c.eventFrames),
      formatCount(c.dbQueries),
    ]);
  });
  rows.push(['Redis', '', share(s.redisCpu), '', '', '', '', '']);
  rows.push(["PostgreSQL (this database's backends)", '', share(s.postgresCpu), '', '', '', '', '']);
  rows.push(['load generators', '', formatRatio(s.generatorCpu), '', '', '', '', '']);
  rows.push(['elsewhere', '', formatRatio(s.elsewhereCpu), '', '', '', '', '']);
  return markdownTable(rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

function stepHeading(s: StepResult): string {
  const what =
    s.kind === 'idle'
      ? `nothing sent for ${s.seconds.toFixed(1)} s (sockets held, heartbeats running)`
      : `${formatCount(s.messagesPerSecond)} messages/s for ${s.seconds.toFixed(1)} s (drain included): ${formatCount(s.sent)} sent, ` +
        `${formatCount(s.received)} of ${formatCount(s.expected)} deliveries received, ${formatCount(s.lost)} lost, p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms` +
        `${s.errors ? `, ${formatCount(s.errors)} error frames (${s.firstError ?? ''})` : ''}${Object.keys(s.closes).length ? `, sockets closed ${JSON.stringify(s.closes)}` : ''}`;
  const c = s.redisCounters;
  return `**${s.kind === 'idle' ? 'Idle' : s.kind === 'sends only' ? 'Sends only' : 'Fan-out'}${s.kind === 'idle' ? '' : `, ${formatCount(s.messagesPerSecond)} messages/s`}**: ${what}.
Redis: ${formatCount(c.commands)} commands (${formatCount(c.publishes)} PUBLISH), ${kib(c.netInBytes)} KiB in, ${kib(c.netOutBytes)} KiB out.
PostgreSQL: ${formatCount(s.messageRows)} messages and ${formatCount(s.syncEventRows)} sync events stored, ${kib(s.walBytes)} KiB of WAL (${formatCount(s.checkpoints)} checkpoints meanwhile, ${formatCount(s.otherTransactions)} transactions in other databases), database ${kib(s.databaseBytes)} KiB larger
(${STORED_TABLES.map((t) => `\`${t}\` ${kib(s.tableBytes[t])}`).join(', ')} KiB).`;
}

function summaryTable(steps: StepResult[], nodes: ClusterNode[]): string {
  const socketNodes = nodes.filter((n) => n.sockets > 0).map((n) => n.number - 1);
  const bystander = nodes.length - 1;
  const rows = [
    ['step', 'msg/s', 'deliveries/s', 'lost', 'p50 (ms)', 'p99 (ms)', 'socket nodes CPU (sum)', 'bystander CPU', 'Redis CPU', 'PostgreSQL CPU', 'elsewhere', 'Redis cmds/s', 'Redis out KiB/s', 'WAL KiB/s', 'checkpoints', "other databases' transactions", `whole machine (of ${describeMachine().cpuCount} cores)`],
    ...steps.map((s) => [
      s.kind,
      formatCount(s.messagesPerSecond),
      formatCount(s.received / s.seconds),
      s.kind === 'idle' ? '—' : formatCount(s.lost),
      s.kind === 'idle' ? '—' : ms(s.p50),
      s.kind === 'idle' ? '—' : ms(s.p99),
      formatRatio(socketNodes.reduce((n, i) => n + s.nodeCpu[i]!, 0)),
      formatRatio(s.nodeCpu[bystander]!),
      share(s.redisCpu),
      share(s.postgresCpu),
      formatRatio(s.elsewhereCpu),
      formatCount(s.redisCounters.commands / s.seconds),
      kib(s.redisCounters.netOutBytes / s.seconds),
      kib(s.walBytes / s.seconds),
      formatCount(s.checkpoints),
      formatCount(s.otherTransactions),
      formatRatio(s.nodeCpu.reduce((a, b) => a + b, 0) + (s.redisCpu ?? 0) + (s.postgresCpu ?? 0) + s.generatorCpu + s.elsewhereCpu),
    ]),
  ];
  return markdownTable(rows, ['l', ...Array<'r'>(16).fill('r')]);
}

function costsTable(results: Results): { table: string; basis: string } {
  const { nodes, idle, sendOnly, steps } = results;
  const socketNodes = nodes.filter((n) => n.sockets > 0).map((n) => n.number - 1);
  const bystander = nodes.length - 1;
  const counted = steps.map((s, i) => i).filter((i) => steps[i]!.passed);
  const perStep = steps.map((s, i) => unitCosts(s, idle, sendOnly[i]?.passed ? sendOnly[i] : undefined, socketNodes, bystander));
  const mid = (pick: (c: UnitCosts) => number | undefined) => {
    const values = counted.map((i) => pick(perStep[i]!)).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length ? median(values) : undefined;
  };
  /** µs of CPU per unit as the slope of CPU (µs/s) against units/s over the counted steps: no idle reading involved. */
  const slope = (point: ((i: number) => [number, number | undefined] | undefined) | undefined) => {
    if (!point) return undefined;
    const points = counted.map(point).filter((p): p is [number, number] => p !== undefined && p[1] !== undefined);
    if (points.length < 2) return undefined;
    const meanX = points.reduce((n, p) => n + p[0], 0) / points.length;
    const meanY = points.reduce((n, p) => n + p[1], 0) / points.length;
    const sxx = points.reduce((n, p) => n + (p[0] - meanX) ** 2, 0);
    const sxy = points.reduce((n, p) => n + (p[0] - meanX) * (p[1] - meanY), 0);
    return sxx > 0 ? (sxy / sxx) * 1e6 : undefined;
  };
  const row = (label: string, pick: (c: UnitCosts) => number | undefined, digits: number, note: string, point?: (i: number) => [number, number | undefined] | undefined) => [
    label,
    figure(mid(pick), digits),
    figure(slope(point), digits),
    ...perStep.map((c) => figure(pick(c), digits)),
    note,
  ];
  const messagesPerSecond = (s: StepResult) => (s.messageRows || s.sent) / s.seconds;
  const socketNodeCpu = (s: StepResult) => socketNodes.reduce((n, i) => n + s.nodeCpu[i]!, 0);
  const fanout = (i: number) => steps[i]!;
  const pairedSendOnly = (i: number) => (sendOnly[i]?.passed ? sendOnly[i] : undefined);
  const rssPerSocket = socketNodes.map((i) => results.rssPerSocketKiB[i]).filter((v): v is number => v !== undefined);
  const header = [
    'cost',
    '**median**',
    'slope over those steps',
    ...steps.map((s, i) => `${formatCount(s.messagesPerSecond)} msg/s${s.passed ? '' : ` (${failure(s)}: not counted)`}${sendOnly[i]?.passed === false ? ' (send-only step failed)' : ''}`),
    'how it is taken',
  ];
  const rows = [
    header,
    row('socket-node CPU per delivery (µs)', (c) => c.socketNodeUsPerDelivery, 1, 'CPU of the nodes holding sockets over their idle rate, summed, / deliveries received; the sends included', (i) => [fanout(i).received / fanout(i).seconds, socketNodeCpu(fanout(i))]),
    row('socket-node CPU per delivery, net of the send (µs)', (c) => c.socketNodeUsPerDeliveryNet, 1, "the same, less the send-only step's CPU per message (same rate) × messages, / (deliveries − messages)"),
    row('socket-node CPU per persisted message (µs)', (c) => c.socketNodeUsPerMessage, 0, 'send-only step at the same rate: CPU of the nodes holding sockets over their idle rate / messages (storing, publishing, each node receiving it, one delivery to the sender)', (i) => {
      const pair = pairedSendOnly(i);
      return pair ? [messagesPerSecond(pair), socketNodeCpu(pair)] : undefined;
    }),
    row('bystander CPU per bus message received (µs)', (c) => c.bystanderUsPerBusMessage, 1, `node ${nodes.length} (no sockets) over its idle rate / bus messages it received (all topics)`, (i) => [fanout(i).nodeCounters[bystander]!.busReceived / fanout(i).seconds, fanout(i).nodeCpu[bystander]]),
    row('bystander CPU per message sent (µs)', (c) => c.bystanderUsPerMessage, 1, 'the same / messages stored', (i) => [messagesPerSecond(fanout(i)), fanout(i).nodeCpu[bystander]]),
    row('bus messages per message', (c) => c.busMessagesPerMessage, 2, 'bus_published_total of all nodes / messages stored'),
    row('Redis commands per message', (c) => c.redisCommandsPerMessage, 2, 'INFO total_commands_processed / messages stored'),
    row('Redis bytes in per message', (c) => c.redisInBytesPerMessage, 0, 'INFO total_net_input_bytes / messages stored'),
    row('Redis bytes out per message', (c) => c.redisOutBytesPerMessage, 0, `INFO total_net_output_bytes / messages stored (each bus message goes to ${results.subscribers} subscribers)`),
    row('Redis CPU per message (µs)', (c) => c.redisUsPerMessage, 1, "redis-server's CPU (/proc) over its idle rate / messages stored", (i) => [messagesPerSecond(fanout(i)), fanout(i).redisCpu]),
    row('SQL statements per message', (c) => c.dbStatementsPerMessage, 2, 'db_queries_total of all nodes / messages stored'),
    row('rows stored per message', (c) => 1 + c.syncEventsPerMessage, 2, 'rows added to `messages` and `sync_events` / messages stored'),
    row('PostgreSQL WAL bytes per message', (c) => c.walBytesPerMessage, 0, 'pg_wal_lsn_diff over the step / messages stored; see the note on checkpoints above'),
    row('PostgreSQL CPU per message (µs)', (c) => c.postgresUsPerMessage, 0, 'the backends serving this database (/proc) over their idle rate / messages stored', (i) => [messagesPerSecond(fanout(i)), fanout(i).postgresCpu]),
    row('stored bytes per message (database)', (c) => c.storedBytesPerMessage, 0, 'pg_database_size growth / messages stored'),
    ...STORED_TABLES.map((t) => row(`stored bytes per message (\`${t}\`)`, (c) => c.tableBytesPerMessage[t], 0, 'pg_total_relation_size growth (table, indexes, TOAST) / messages stored')),
    [
      'RSS per socket (KiB)',
      rssPerSocket.length ? figure(median(rssPerSocket), 1) : '—',
      ...Array<string>(steps.length + 1).fill(''),
      'per node holding sockets: (VmRSS with its sockets − before) / its sockets, after a full garbage collection each time; median over those nodes',
    ],
  ];
  const basis =
    counted.length > 0
      ? `the ${counted.length} fan-out step${counted.length === 1 ? '' : 's'} that lost nothing (${counted.map((i) => formatCount(steps[i]!.messagesPerSecond)).join(', ')} messages/s)`
      : 'no step: every fan-out step lost deliveries';
  return { table: markdownTable(rows, ['l', 'r', 'r', ...steps.map(() => 'r' as const), 'l']), basis };
}

function report(results: Results): string {
  const machine = describeMachine();
  const { nodes, idle, steps, sendOnly } = results;
  const socketNodes = nodes.filter((n) => n.sockets > 0);
  const sockets = socketNodes.reduce((n, node) => n + node.sockets, 0);
  const env = Object.entries(settings)
    .filter(([name]) => name !== 'AUTH_SECRET' && name !== 'METRICS_TOKEN')
    .map(([name, value]) => `\`${name}=${value}\``)
    .join(', ');
  const costs = costsTable(results);
  const measured = [idle, ...steps.flatMap((s, i) => [s, ...(sendOnly[i] ? [sendOnly[i]] : [])])];
  const stepSections = measured.map((s) => `${stepHeading(s)}\n\n${stepTable(s, nodes)}`).join('\n\n');
  const rssRows = markdownTable(
    [
      ['node', 'sockets', 'RSS before (MiB)', 'RSS with sockets (MiB)', 'per socket (KiB)'],
      ...nodes.map((node, i) => [
        `node ${node.number}${node.sockets === 0 ? ' (bystander)' : ''}`,
        formatCount(node.sockets),
        (results.rssBeforeKiB[i]! / 1024).toFixed(1),
        (results.rssAfterKiB[i]! / 1024).toFixed(1),
        results.rssPerSocketKiB[i] === undefined ? '—' : figure(results.rssPerSocketKiB[i], 1),
      ]),
    ],
    ['l', 'r', 'r', 'r', 'r'],
  );
  return `## Cluster: per-unit costs on PostgreSQL + Redis (npm run bench:cluster)

_Generated by \`bench/cluster.ts\`; this section is rewritten on every run._

- **Date:** ${results.started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(machine)}
- **Storage:** ${results.storage.engine}, Redis ${results.storage.redis ? 'yes' : 'no'}
- **Command:** \`${commandLine('bench:cluster')}\`${quick ? ' (a smoke run: fewer sockets, steps and seconds; not comparable with a full run)' : ''}
- **Run time:** ${((Date.now() - results.started.getTime()) / 60_000).toFixed(1)} min, building included
- **Background load:** ${formatRatio(results.backgroundCpu)} of one core busy over 3 s just before the servers started (other programs, kernel); *elsewhere* in the step tables is the same reading during each step
- **Cluster:** ${nodes.length} processes of the built app (\`node dist/main.js\`), each on its own port, on one PostgreSQL database and one Redis
  (${results.subscribers} subscribers on the delivery channel), ${env}, a random \`AUTH_SECRET\`, heartbeats at the default ${loadConfig(settings).realtime.heartbeatMs / 1000} s; ${results.argon2}.
- **Clients:** ${formatCount(plan.groups)} groups × ${plan.members} distinct users, one socket each (connected in ${results.connectSeconds.toFixed(1)} s), and ${sendOnlyGroups} send-only senders: ${formatCount(sockets)} sockets, spread round robin over
  nodes 1–${nodes.length - 1}, so every group has members on ${Math.min(socketNodes.length, plan.members)} nodes; node ${nodes.length} holds no socket (the *bystander*). Plain \`ws\` sockets in
  ${FANOUT_GENERATORS} load-generator processes (whole groups each), plus ${sendOnlyGroups} senders in a third for the send-only steps; all on this machine. A delivery frame is ${formatCount(results.frameBytes)} bytes.
  Servers, Redis, PostgreSQL and clients share the ${machine.cpuCount} CPU${machine.cpuCount === 1 ? '' : 's'}.

One member of every group sends \`message.send\` over its socket (as in the fan-out of \`bench:realtime\`), the total rate
spread evenly over the groups, for ${plan.stepSeconds} s; the step ends when every delivery has arrived or none has for 3 s. Each
message is stored once and goes on the Redis bus with the events recorded with it in one sync-log batch (one PUBLISH per
batch: one per message at low rates, fewer as the rate grows); every node receives it, with its ${plan.members} recipients' ids, and writes
it to the sockets it holds for them (the sender's own socket included: ${plan.members} deliveries per message). Latency is send → receipt
on the clients' clock (sender and receivers of a group are in one process). A warm-up step (${plan.warmupSeconds} s) is thrown away.
The *idle* step holds the sockets and sends nothing: its CPU rates are subtracted from each step's before dividing (the
heartbeats and timers are not a cost of messages). After each fan-out step, a *send-only* step sends at the same rate into
${sendOnlyGroups} other groups of ${plan.members} whose only connected member is the sender (as many senders as the fan-out has): what
storing and publishing a message costs with one delivery, at that rate. CPU is read from /proc (user + system time of each process; PostgreSQL as the backends serving this
database, without the WAL writer, checkpointer and background writer, which serve every database); Redis figures are deltas of \`INFO\` (the readings' own command and reply taken out) and
count every client of that Redis server (a step's PUBLISH calls next to the bus messages the nodes published show whether
anyone else was publishing); WAL is \`pg_wal_lsn_diff\`, which counts every database of that PostgreSQL (hence the column of
other databases' transactions, from \`pg_stat_database\`, whose counts can lag by a second or so). The first change to a page after
a checkpoint writes the whole 8 KiB page to the WAL (\`full_page_writes\`): a step just after a checkpoint shows several
times the WAL per message of one long after it, so the lowest WAL figure is nearest the steady state, and the others include that
burst (checkpoints come every \`checkpoint_timeout\`, 5 min by default, or sooner under heavy writing).

### Per-unit costs

The median is over ${costs.basis}; each step's own figures follow, then the send-only step's. For CPU, the *slope* is
the least-squares slope of CPU time per second against units per second over those steps: the marginal cost, which
needs no idle reading (the idle step's CPU is subtracted in every other column, and a node still finishing earlier work
during it skews the low-rate steps most). Costs per message at low rates may carry fixed costs (timers, round trips)
that higher rates share, and the message writer and the sync log group what arrives together: read the trend along a
row as well as the median.

${costs.table}

### Memory per socket

Each node is given a full garbage collection (inspector) before the sockets connect and ${plan.settleSeconds} s after; VmRSS from /proc.

${rssRows}

### Steps

*Whole machine* adds up every process measured, the load generators and *elsewhere* (the benchmark's own process
left out): near ${formatRatio(describeMachine().cpuCount)}, a step measures the machine's limit rather than the cluster's.

${summaryTable(measured, nodes)}

${stepSections}
`;
}

// --- main -----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
    console.error(
      'bench:cluster needs DATABASE_URL and REDIS_URL: several server processes can only share state through PostgreSQL ' +
        '(SQLite is one process\'s file) and reach each other\'s sockets through the Redis bus (the in-process bus stays inside one process).',
    );
    process.exit(2);
  }
  if (nodeCount < 2) throw new Error('--nodes must be at least 2: one node holding sockets and the bystander');
  const started = new Date();
  const argon2 = argon2Line(loadConfig(settings).auth.argon2);
  console.log(`bench:cluster — ${quick ? 'quick' : 'full'} run, ${nodeCount} nodes`);
  console.log('building…');
  await runNpmScript('build');

  let environment: BenchEnvironment | undefined;
  let redis: Redis | undefined;
  let postgres: pg.Client | undefined;
  const cleanup = cleanupOnExit(async () => {
    try {
      await Promise.all([...running].map((p) => p.stop()));
      redis?.disconnect();
      await postgres?.end().catch(() => undefined);
    } finally {
      await environment?.cleanup();
    }
  });
  const nodes: ClusterNode[] = [];
  const clock = () => `[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(3)} s]`;
  try {
    // Other programs on the machine skew every figure; measure how busy it is before starting.
    const background = cpuMeter([]);
    await sleep(3000);
    const backgroundCpu = background.stop().elsewhere;
    if (backgroundCpu > 0.2) console.warn(`warning: the machine is busy before the run (${formatRatio(backgroundCpu)} of a core elsewhere); figures will be skewed`);
    environment = await createBenchEnvironment(settings);
    const { storage } = environment;
    // The first node migrates the fresh schema; the others start once it is done.
    console.log(`${clock()} starting ${nodeCount} nodes`);
    nodes.push(await startNode(1, environment));
    for (let n = 2; n <= nodeCount; n++) nodes.push(await startNode(n, environment));
    const socketNodes = nodes.slice(0, -1);

    redis = new Redis(process.env.REDIS_URL, { connectionName: 'bench-cluster', maxRetriesPerRequest: 1 });
    const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
    const subscribers = Number(((await redis.pubsub('NUMSUB', `${environment.env.REDIS_KEY_PREFIX}${DELIVER_TOPIC}`)) as [string, number])[1]);
    postgres = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await postgres.connect();
    await postgres.query(`set search_path to ${environment.env.DATABASE_SCHEMA}`);
    const backendPid = (await postgres.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const postgresVisible = readCpu(backendPid) !== undefined;
    if (!postgresVisible) console.warn('PostgreSQL\'s processes are not visible in /proc: its CPU is not measured');
    if (readCpu(redisPid) === undefined) console.warn('redis-server is not visible in /proc: its CPU is not measured');

    const fanoutUsers = plan.groups * plan.members;
    // The send-only groups: one connected sender each, and members who never connect (shared by all those groups).
    const silentMembers = plan.members - 1;
    console.log(`${clock()} creating ${formatCount(fanoutUsers + sendOnlyGroups + silentMembers)} accounts`);
    const users = await createUsers(socketNodes, fanoutUsers, 'cl');
    const senders = await createUsers(socketNodes, sendOnlyGroups, 'cls');
    const silent = await createUsers(socketNodes, silentMembers, 'clq');
    console.log(`${clock()} creating ${plan.groups + sendOnlyGroups} groups`);
    const groups: { chatId: number; members: User[] }[] = [];
    for (let g = 0; g < plan.groups; g++) {
      const members = users.slice(g * plan.members, (g + 1) * plan.members);
      groups.push({ chatId: await createGroup(nodes[0]!.url, members[0]!, members, `cluster ${g + 1}`), members });
    }
    const sendOnlyChats: { chatId: number; sender: User }[] = [];
    for (const [i, sender] of senders.entries()) {
      sendOnlyChats.push({ chatId: await createGroup(nodes[0]!.url, sender, [sender, ...silent], `send-only ${i + 1}`), sender });
    }

    // Sockets: member k of the whole list goes to socket node k mod (N − 1).
    const nodeOf = (k: number) => k % socketNodes.length;
    const groupBatches: { chatId: number; member: User; k: number; sender: boolean }[][] = Array.from({ length: FANOUT_GENERATORS }, () => []);
    groups.forEach(({ chatId, members }, g) => {
      const batch = groupBatches[Math.floor((g * FANOUT_GENERATORS) / groups.length)]!;
      members.forEach((member, i) => batch.push({ chatId, member, k: g * plan.members + i, sender: i === 0 }));
    });
    for (const g of groups.keys()) for (let i = 0; i < plan.members; i++) socketNodes[nodeOf(g * plan.members + i)]!.sockets += 1;
    for (const s of sendOnlyChats.keys()) socketNodes[nodeOf(s)]!.sockets += 1;

    for (const node of nodes) await collectGarbage(node);
    await sleep(1000);
    const rssBeforeKiB = nodes.map((n) => rssKiB(n.pid));
    console.log(`${clock()} connecting ${formatCount(fanoutUsers)} sockets over nodes 1–${socketNodes.length}`);
    const connectStarted = performance.now();
    const connectGenerator = async (entries: { chatId: number; member: User; k: number; sender: boolean }[], first: number): Promise<LoadGenerator> => {
      const generator = LoadGenerator.start();
      running.add(generator);
      for (const [n, node] of socketNodes.entries()) {
        const specs: ConnectionSpec[] = entries
          .filter((e) => nodeOf(e.k) === n)
          .map((e) => ({ path: '', token: e.member.token, localAddress: sourceAddress(e.k, first), chatId: e.chatId, sender: e.sender }));
        if (specs.length === 0) continue;
        const result = await generator.connect(node.wsUrl, specs);
        if (result.failed > 0) throw new Error(`node ${node.number}: ${result.failed} sockets failed (${result.firstError})`);
      }
      return generator;
    };
    const fanoutGenerators = await Promise.all(groupBatches.map((batch) => connectGenerator(batch, ADDRESSES.fanout)));
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    // The send-only senders: spread over the socket nodes too (they are counted apart from the fan-out sockets).
    const sendOnlyGenerator = await connectGenerator(
      sendOnlyChats.map(({ chatId, sender }, i) => ({ chatId, member: sender, k: i, sender: true })),
      ADDRESSES.sendOnly,
    );
    await sleep(plan.settleSeconds * 1000);
    await waitUntilQuiet(nodes.map((n) => n.pid), { timeoutMs: 30_000 });
    for (const node of nodes) await collectGarbage(node);
    await sleep(1000);
    const rssAfterKiB = nodes.map((n) => rssKiB(n.pid));
    const rssPerSocketKiB = nodes.map((node, i) => (node.sockets > 0 ? (rssAfterKiB[i]! - rssBeforeKiB[i]!) / node.sockets : undefined));
    console.log(`  connected in ${connectSeconds.toFixed(1)} s; RSS per socket ${rssPerSocketKiB.map((v) => (v === undefined ? '—' : `${v.toFixed(1)} KiB`)).join(' / ')}`);

    const groupShares = groupBatches.map((b) => b.length / fanoutUsers);
    const cluster: Cluster = {
      nodes,
      redis,
      redisPid: readCpu(redisPid) === undefined ? undefined : redisPid,
      postgres,
      postgresVisible,
      fanoutGenerators,
      fanoutShares: groupShares,
      sendOnlyGenerator,
    };

    console.log(`${clock()} steps`);
    const warmup = await runStep(cluster, 'warm-up', plan.rates[0]!, plan.warmupSeconds);
    const idle = await runStep(cluster, 'idle', 0, plan.idleSeconds);
    const steps: StepResult[] = [];
    const sendOnly: StepResult[] = [];
    for (const rate of plan.rates) {
      steps.push(await runStep(cluster, 'fan-out', rate, plan.stepSeconds));
      sendOnly.push(await runStep(cluster, 'sends only', rate, plan.stepSeconds));
    }
    const frameBytes = Math.max(warmup.frameBytes, ...steps.map((s) => s.frameBytes));

    const results: Results = {
      started,
      storage,
      argon2,
      nodes,
      backgroundCpu,
      subscribers,
      connectSeconds,
      rssPerSocketKiB,
      rssBeforeKiB,
      rssAfterKiB,
      frameBytes,
      idle,
      steps,
      sendOnly,
    };
    const section = report(results);
    await writeSection('cluster-postgres', section);
    console.log(`\n${section}\nwritten to docs/BENCHMARKS.md`);
  } catch (error) {
    for (const node of nodes) console.error(`node ${node.number} output (last part):\n${node.server.output() || '(none)'}`);
    throw error;
  } finally {
    for (const node of nodes) await stopNode(node);
    await cleanup();
  }
}

await main();
