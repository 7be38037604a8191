/**
 * `npm run bench:auth`: throughput of the account API on the real, built server, written to the
 * "Accounts" section of docs/BENCHMARKS.md. Options: --runs=N (default 3), --duration=S (default 10).
 * With --engines (and DATABASE_URL and REDIS_URL set): `GET /users/me` on SQLite and on PostgreSQL +
 * Redis, two servers measured in turn within one run, so that their ratio does not depend on how
 * busy the shared machine was in one run or another.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { commandLine, flagOption, integerOption } from './lib/args.js';
import { createBenchEnvironment, randomText, type BenchEnvironment } from './lib/environment.js';
import { requestJson } from './lib/http.js';
import { measureLoad, type LoadResult } from './lib/load.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { cleanupOnExit, freePort, runNpmScript, startBuiltServer, stopServer, type ServerProcess } from './lib/process.js';
import { argon2Line, markdownTable, writeSection } from './lib/report.js';
import { formatCount, formatMs, formatRatio, median } from './lib/stats.js';

const runs = integerOption('runs', 3);
const durationSeconds = integerOption('duration', 10);
const warmupSeconds = 2;
const READ_CONNECTIONS = 64;
const LOGIN_CONNECTIONS = 8;
const GOAL_RPS = 10_000;
const compareEngines = flagOption('engines');
/** PostgreSQL + Redis should serve `GET /users/me` at this share of SQLite's rate or better. */
const ENGINE_GOAL = 0.9;

// Rate limits stay on (their bookkeeping is part of a login's cost) but never answer 429.
// 999999 is the largest count the configuration accepts.
const UNLIMITED = '999999/1m';
const settings: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  AUTH_SECRET: randomText(48),
  RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
  RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
  RATE_LIMIT_REGISTER: UNLIMITED,
};

type Scenario = 'health' | 'bearer' | 'token' | 'login';
const scenarios: { key: Scenario; label: string; connections: number }[] = [
  { key: 'health', label: 'GET /health (no auth, baseline)', connections: READ_CONNECTIONS },
  { key: 'bearer', label: 'GET /api/v1/users/me, `Authorization: Bearer`', connections: READ_CONNECTIONS },
  { key: 'token', label: 'GET /api/v1/users/me, `Authorization: Token`', connections: READ_CONNECTIONS },
  { key: 'login', label: 'POST /api/v1/auth/login', connections: LOGIN_CONNECTIONS },
];
type RunResult = Record<Scenario, LoadResult>;

interface Account {
  login: string;
  password: string;
  apiToken: string;
}

async function createAccount(url: string): Promise<Account> {
  const id = randomBytes(4).toString('hex');
  const username = `bench_${id}`;
  const password = randomText(24);
  await requestJson(`${url}/api/v1/auth/register`, { body: { username, email: `${username}@example.com`, password }, expect: 201 });
  const accessToken = await logIn(url, username, password);
  const created = await requestJson<{ token: string }>(`${url}/api/v1/auth/tokens`, {
    body: { name: 'bench', password },
    headers: { authorization: `Bearer ${accessToken}` },
    expect: 201,
  });
  return { login: username, password, apiToken: created.token };
}

async function logIn(url: string, login: string, password: string): Promise<string> {
  const session = await requestJson<{ accessToken: string }>(`${url}/api/v1/auth/login`, { body: { login, password }, expect: 200 });
  return session.accessToken;
}

async function measureOnce(url: string, account: Account): Promise<RunResult> {
  // A fresh access token each run, so a long run never outlives ACCESS_TOKEN_TTL_SECONDS.
  const accessToken = await logIn(url, account.login, account.password);
  const me = `${url}/api/v1/users/me`;
  const read = { connections: READ_CONNECTIONS, durationSeconds, warmupSeconds };
  const step = async (key: Scenario, run: () => Promise<LoadResult>) => {
    const result = await run();
    console.log(
      `  ${key.padEnd(7)} ${formatCount(result.requestsPerSecondMean).padStart(7)} req/s mean, ` +
        `${formatCount(result.requestsPerSecondMedian).padStart(7)} median, p50 ${formatMs(result.latencyP50Ms)} ms, ` +
        `p99 ${formatMs(result.latencyP99Ms)} ms, ${formatCount(result.total)} requests`,
    );
    return result;
  };
  return {
    health: await step('health', () => measureLoad('GET /health', { url: `${url}/health`, ...read })),
    bearer: await step('bearer', () => measureLoad('GET /users/me (Bearer)', { url: me, headers: { authorization: `Bearer ${accessToken}` }, ...read })),
    token: await step('token', () => measureLoad('GET /users/me (Token)', { url: me, headers: { authorization: `Token ${account.apiToken}` }, ...read })),
    login: await step('login', () =>
      measureLoad('POST /auth/login', {
        url: `${url}/api/v1/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login: account.login, password: account.password }),
        connections: LOGIN_CONNECTIONS,
        durationSeconds,
        warmupSeconds,
      }),
    ),
  };
}

function report(results: RunResult[], context: { storage: BenchEnvironment['storage']; argon2: string; started: Date }): string {
  const machine = describeMachine();
  const med = (key: Scenario, pick: (r: LoadResult) => number) => median(results.map((run) => pick(run[key])));
  const ratio = (key: Scenario) => median(results.map((run) => run[key].requestsPerSecondMean / run.health.requestsPerSecondMean));

  const rows = scenarios.map(({ key, label, connections }) => [
    label,
    String(connections),
    formatCount(med(key, (r) => r.requestsPerSecondMean)),
    formatCount(med(key, (r) => r.requestsPerSecondMedian)),
    formatMs(med(key, (r) => r.latencyP50Ms)),
    formatMs(med(key, (r) => r.latencyP99Ms)),
    key === 'login' ? '—' : formatRatio(ratio(key)),
  ]);
  const table = markdownTable(
    [['measurement', 'connections', 'req/s mean', 'req/s median', 'latency p50 (ms)', 'latency p99 (ms)', 'vs /health'], ...rows],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  const perRun = markdownTable(
    [
      ['req/s mean in run', ...results.map((_, i) => String(i + 1))],
      ...scenarios.map(({ key }) => [key, ...results.map((run) => formatCount(run[key].requestsPerSecondMean))]),
    ],
    ['l', ...results.map(() => 'r' as const)],
  );

  const bearer = med('bearer', (r) => r.requestsPerSecondMean);
  const token = med('token', (r) => r.requestsPerSecondMean);
  const met = bearer >= GOAL_RPS && token >= GOAL_RPS;
  const verdict = met
    ? `**Met in this run**: ${formatCount(bearer)} req/s with Bearer, ${formatCount(token)} req/s with Token.`
    : `**Not met in this run**: ${formatCount(bearer)} req/s with Bearer and ${formatCount(token)} req/s with Token ` +
      `(${formatRatio(bearer / GOAL_RPS)} and ${formatRatio(token / GOAL_RPS)} of the goal).`;

  const on = context.storage.engine === 'SQLite' ? 'SQLite' : `PostgreSQL${context.storage.redis ? ' + Redis' : ''}`;
  return `## Accounts on ${on} (npm run bench:auth)

_Generated by \`bench/auth.ts\`; this section is rewritten on every run._

- **Date:** ${context.started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(machine)}
- **Storage:** ${context.storage.engine}, Redis ${context.storage.redis ? 'yes' : 'no'}
- **Password hashing:** ${context.argon2} (the defaults)
- **Command:** \`${commandLine('bench:auth')}\`
- **Each measurement:** ${warmupSeconds} s warm-up, then ${durationSeconds} s; pipelining 1; median of ${results.length} run${results.length === 1 ? '' : 's'}

\`GET /api/v1/users/me\` authenticates the credential (a signed access token whose session is
checked, or a personal access token looked up by its hash; both held in an in-memory cache), reads
the user from the database and serialises it. A login verifies the password with argon2id and opens
a session.

${table}

**Goal:** \`GET /users/me\` ≥ ${formatCount(GOAL_RPS)} req/s with a Bearer token and with a Token header, on a
2-core machine with the load generator on the same machine (this one has ${machine.cpuCount} CPU${machine.cpuCount === 1 ? '' : 's'}),
judged on the median of *req/s mean*. ${verdict}

Logins per second are bounded by the password-hashing cost by design; that figure is what the
configured cost buys on this machine, not a target.

Per run, to show the spread:

${perRun}
`;
}

type MeScenario = 'bearer' | 'token';
type EngineRound = Record<'sqlite' | 'postgres', Record<MeScenario, LoadResult>>;

/** `GET /users/me` both ways on one server. */
async function measureMe(url: string, account: Account): Promise<Record<MeScenario, LoadResult>> {
  const accessToken = await logIn(url, account.login, account.password);
  const read = { url: `${url}/api/v1/users/me`, connections: READ_CONNECTIONS, durationSeconds, warmupSeconds };
  return {
    bearer: await measureLoad('GET /users/me (Bearer)', { ...read, headers: { authorization: `Bearer ${accessToken}` } }),
    token: await measureLoad('GET /users/me (Token)', { ...read, headers: { authorization: `Token ${account.apiToken}` } }),
  };
}

function engineReport(rounds: EngineRound[], started: Date): string {
  const machine = describeMachine();
  const ratio = (round: EngineRound, key: MeScenario) => round.postgres[key].requestsPerSecondMean / round.sqlite[key].requestsPerSecondMean;
  const rows = (['bearer', 'token'] as const).map((key) => {
    const ratios = rounds.map((round) => ratio(round, key));
    return [
      key === 'bearer' ? '`Authorization: Bearer`' : '`Authorization: Token`',
      formatCount(median(rounds.map((r) => r.sqlite[key].requestsPerSecondMean))),
      formatCount(median(rounds.map((r) => r.postgres[key].requestsPerSecondMean))),
      formatRatio(median(ratios)),
      ratios.map(formatRatio).join(', '),
      median(ratios) >= ENGINE_GOAL ? '**met**' : '**not met**',
    ];
  });
  const table = markdownTable(
    [['GET /api/v1/users/me', 'SQLite req/s', 'PostgreSQL + Redis req/s', 'ratio (median of rounds)', 'ratio per round', `goal ≥ ${formatRatio(ENGINE_GOAL)}`], ...rows],
    ['l', 'r', 'r', 'r', 'l', 'l'],
  );
  return `## Accounts: SQLite against PostgreSQL + Redis in one run (npm run bench:auth -- --engines)

_Generated by \`bench/auth.ts\`; this section is rewritten on every run._

- **Date:** ${started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(machine)}
- **Command:** \`${commandLine('bench:auth')}\`
- **Each measurement:** ${warmupSeconds} s warm-up, then ${durationSeconds} s, ${READ_CONNECTIONS} connections; ${rounds.length} round${rounds.length === 1 ? '' : 's'}

Two built servers run side by side, one on SQLite alone and one on PostgreSQL and Redis, each with an account of
its own; each round measures one, then the other (the order swaps every round), so both meet the machine in the same
state. The ratio is PostgreSQL + Redis over SQLite within each round; the figure is the median of the rounds. On
both, the credential, the user and the caller's own presence come from memory once warm (presence is looked up in
Redis on the cluster path and kept until any node announces a change).

${table}
`;
}

/** Both engines in one run, measured in turn. */
async function mainEngines(started: Date): Promise<void> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL) throw new Error('--engines compares SQLite with PostgreSQL + Redis: set DATABASE_URL and REDIS_URL');
  const environments: BenchEnvironment[] = [];
  const servers: ServerProcess[] = [];
  const cleanup = cleanupOnExit(async () => {
    try {
      await Promise.all(servers.map((server) => stopServer(server)));
    } finally {
      for (const environment of environments) await environment.cleanup();
    }
  });
  try {
    const start = async (embedded: boolean) => {
      const environment = await createBenchEnvironment(settings, { embedded });
      environments.push(environment);
      const server = await startBuiltServer({ env: environment.env, cwd: environment.dataDir, host: '127.0.0.1', port: await freePort() });
      servers.push(server);
      return { url: server.url, account: await createAccount(server.url) };
    };
    const sqlite = await start(true);
    const postgres = await start(false);
    const rounds: EngineRound[] = [];
    for (let i = 1; i <= runs; i++) {
      console.log(`round ${i}/${runs}`);
      const order = i % 2 === 1 ? (['sqlite', 'postgres'] as const) : (['postgres', 'sqlite'] as const);
      const round: Partial<EngineRound> = {};
      for (const engine of order) {
        const target = engine === 'sqlite' ? sqlite : postgres;
        round[engine] = await measureMe(target.url, target.account);
        console.log(`  ${engine.padEnd(8)} bearer ${formatCount(round[engine].bearer.requestsPerSecondMean)} req/s, token ${formatCount(round[engine].token.requestsPerSecondMean)} req/s`);
      }
      rounds.push(round as EngineRound);
    }
    const section = engineReport(rounds, started);
    await writeSection('auth-engines', section);
    console.log(`\n${section}\nwritten to docs/BENCHMARKS.md`);
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  // The server's own configuration code resolves the settings, so the parameters reported are the
  // ones it runs with, and a setting it would reject fails here first.
  const { argon2 } = loadConfig(settings).auth;
  const argon2Text = argon2Line(argon2);
  console.log(`bench:auth — ${runs} run(s), ${durationSeconds} s per measurement; ${argon2Text}`);

  console.log('building…');
  await runNpmScript('build');
  if (compareEngines) return mainEngines(started);

  let environment: BenchEnvironment | undefined;
  let server: ServerProcess | undefined;
  const cleanup = cleanupOnExit(async () => {
    try {
      if (server) await stopServer(server);
    } finally {
      await environment?.cleanup();
    }
  });

  try {
    environment = await createBenchEnvironment(settings);
    console.log(`storage: ${environment.storage.engine}, Redis ${environment.storage.redis ? 'yes' : 'no'}`);
    server = await startBuiltServer({ env: environment.env, cwd: environment.dataDir, host: '127.0.0.1', port: await freePort() });
    const account = await createAccount(server.url);

    const results: RunResult[] = [];
    for (let i = 1; i <= runs; i++) {
      console.log(`run ${i}/${runs}`);
      results.push(await measureOnce(server.url, account));
    }

    const section = report(results, { storage: environment.storage, argon2: argon2Text, started });
    // One section per storage engine, so a PostgreSQL run does not replace the SQLite figures.
    await writeSection(environment.storage.engine === 'SQLite' ? 'auth' : 'auth-postgres', section);
    console.log(`\n${section}\nwritten to docs/BENCHMARKS.md`);
  } catch (error) {
    if (server) console.error(`server output (last part):\n${server.output() || '(none)'}`);
    throw error;
  } finally {
    await cleanup();
  }
}

await main();
