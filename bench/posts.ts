/**
 * `npm run bench:posts`: the feeds over 200,000 posts while views are being counted, and posts
 * with two 12-megapixel photos, on the real, built server, written to the "Posts" section of
 * docs/BENCHMARKS.md (one per storage engine). Options: --users=N (default 10000), --posts=N
 * (default 200000), --runs=N (default 3), --duration=S (default 10), --connections=N (default 8),
 * --feed-rate=N (feed pages a second, default 200), --profile (print where the server's CPU goes
 * while it reads single posts as fast as it can).
 *
 * The people, friendships, blocks, posts, images and likes are written straight into the
 * database, after the server's own migrations, before the server starts: from a fixed seed, so
 * every run reads the same feeds. The signed-in readers log in over HTTP with the one password
 * every seeded account has.
 */
import { sql, type Kysely } from 'kysely';
import sharp from 'sharp';
import { Argon2PasswordHasher } from '../src/adapters/password-hasher.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type DatabaseHandle } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import type { Database } from '../src/store/schema.js';
import { nameKey } from '../src/store/users-repository.js';
import { commandLine, flagOption, integerOption, listOption } from './lib/args.js';
import { createBenchEnvironment, randomText, type BenchEnvironment } from './lib/environment.js';
import { requestJson } from './lib/http.js';
import { measureLoad, type LoadResult } from './lib/load.js';
import { measureOpenLoop, type OpenLoopRequest } from './lib/open-loop.js';
import { longestBusyStretches, openInspector, summarizeProfile } from './lib/inspector.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { multipartBody } from './lib/multipart.js';
import { cpuMeter } from './lib/proc-stats.js';
import { cleanupOnExit, freePort, runNpmScript, startBuiltServer, stopServer, type ServerProcess } from './lib/process.js';
import { markdownTable, writeSection } from './lib/report.js';
import { seededRandom } from './lib/seeded-random.js';
import { formatCount, formatMs, formatRatio, median } from './lib/stats.js';

const userCount = integerOption('users', 10_000);
const postCount = integerOption('posts', 200_000);
const runs = integerOption('runs', 3);
const durationSeconds = integerOption('duration', 10);
const feedConnections = integerOption('connections', 8);
/** Feed pages a second during the latency measurement: latency is measured at a stated load, not at saturation. */
const feedRate = integerOption('feed-rate', 200);
/** Also prints where the server spends its CPU while it reads single posts as fast as it can. */
const profile = flagOption('profile');
const warmupSeconds = 2;
const PAGE_SIZE = 20;
const READERS = 300;
/** GET /posts/:id while the feeds are measured: a fixed rate, whatever the feeds do. */
const BACKGROUND_RATE = 2000;
const BACKGROUND_CONNECTIONS = 32;
const CREATE_CONNECTIONS = 2;
const GOAL = { users: 10_000, posts: 200_000, p99Ms: 20 };
if (userCount < 100 || postCount < 1000) throw new Error('--users must be at least 100 and --posts at least 1000');

const UNLIMITED = '999999/1m';
const settings: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  AUTH_SECRET: randomText(48),
  RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
  RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
  // One login per reader for the whole benchmark: 300 argon2 hashes per run would only add waiting.
  ACCESS_TOKEN_TTL_SECONDS: '3600',
};

// --- the data -------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const SPAN_DAYS = 30;
/** Each user asks this many others; the pairs both ways give about twice as many friends each. */
const FRIEND_ASKS = 10;
const BLOCKING_SHARE = 0.3;
const FRIENDS_ONLY_SHARE = 0.3;
const WITH_IMAGES_SHARE = 0.1;
/** Images of seeded posts share a few keys: the feed reads rows and signs URLs, never the files. */
const SHARED_IMAGE_KEYS = 5;
// A real ThumbHash (of a landscape photo); the feeds only carry it.
const PLACEHOLDER = '1QcSHQRnh493V4dIh4eXh1h4kJUI';
const WORDS = 'the a sunset coffee morning walk with friends at beach city lights weekend trip new book cat dog park rain finally done so good look this'.split(' ');

const ROWS_PER_STATEMENT = 500;
const STATEMENTS_PER_TRANSACTION = 20;

interface Seeded {
  /** Users by index; the ids are the database's. */
  userIds: number[];
  /** Post index → author index, visibility; post ids in creation order. */
  posts: Array<{ author: number; friendsOnly: boolean }>;
  postIds: number[];
  friends: Set<string>;
  blocks: Set<string>;
  counts: { friendships: number; blocks: number; images: number; likes: number };
  seconds: { users: number; posts: number; all: number };
}

const pairKey = (a: number, b: number) => `${a}:${b}`;
const blockedBetween = (data: Pick<Seeded, 'blocks'>, a: number, b: number) => data.blocks.has(pairKey(a, b)) || data.blocks.has(pairKey(b, a));

/** Writes `rows` in multi-row INSERTs, several to a transaction. */
async function insertChunks<R>(db: Kysely<Database>, rows: readonly R[], insert: (tx: Kysely<Database>, chunk: R[]) => Promise<unknown>): Promise<void> {
  const perTransaction = ROWS_PER_STATEMENT * STATEMENTS_PER_TRANSACTION;
  for (let start = 0; start < rows.length; start += perTransaction) {
    const end = Math.min(rows.length, start + perTransaction);
    await db.transaction().execute(async (tx) => {
      for (let i = start; i < end; i += ROWS_PER_STATEMENT) await insert(tx, rows.slice(i, Math.min(end, i + ROWS_PER_STATEMENT)));
    });
  }
}

/** A heavy tail, as engagement is: most posts get little, a few get a lot (mean about 2 × scale). */
const heavyTail = (random: () => number, scale: number) => Math.floor(scale * (1 - random()) ** -0.6 - scale);

async function seed(handle: DatabaseHandle, passwordHash: string): Promise<Seeded> {
  const { db } = handle;
  const random = seededRandom(20_261_212);
  const int = (below: number) => Math.floor(random() * below);
  const started = performance.now();
  const now = Date.now();

  const users = Array.from({ length: userCount }, (_, i) => {
    const username = `poster_${String(i).padStart(5, '0')}`;
    const lastName = `Poster ${i}`;
    return {
      username,
      username_key: username,
      email: `${username}@example.com`,
      email_verified_at: now,
      password_hash: passwordHash,
      first_name: 'Bench',
      last_name: lastName,
      first_name_key: nameKey('Bench'),
      last_name_key: nameKey(lastName),
      bio: '',
      created_at: now - SPAN_DAYS * DAY_MS,
      updated_at: now,
    };
  });
  await insertChunks(db, users, (tx, chunk) => tx.insertInto('users').values(chunk).execute());
  const idByName = new Map((await db.selectFrom('users').select(['id', 'username_key']).execute()).map((row) => [row.username_key, Number(row.id)]));
  const userIds = users.map((user) => idByName.get(user.username_key)!);
  // Two in five have a picture: the feed signs its URL (the files need not exist).
  await sql`update users set avatar_key = ${'avatars/'} || cast(id as text) || ${'/bench'} where id % 5 < 2`.execute(db);
  const usersSeconds = (performance.now() - started) / 1000;

  const friends = new Set<string>();
  for (let a = 0; a < userCount; a++) {
    for (let k = 0; k < FRIEND_ASKS; k++) {
      const b = int(userCount);
      if (b !== a) friends.add(pairKey(a, b)).add(pairKey(b, a));
    }
  }
  const blocks = new Set<string>();
  for (let a = 0; a < userCount; a++) {
    if (random() >= BLOCKING_SHARE) continue;
    for (let k = 1 + int(2); k > 0; k--) {
      const b = int(userCount);
      if (b !== a && !friends.has(pairKey(a, b))) blocks.add(pairKey(a, b));
    }
  }
  const pairs = (set: Set<string>) => [...set].map((key) => key.split(':').map((i) => userIds[Number(i)]!) as [number, number]);
  await insertChunks(db, pairs(friends), (tx, chunk) => tx.insertInto('friendships').values(chunk.map(([a, b]) => ({ user_id: a, friend_id: b, created_at: now }))).execute());
  await insertChunks(db, pairs(blocks), (tx, chunk) => tx.insertInto('blocks').values(chunk.map(([a, b]) => ({ blocker_id: a, blocked_id: b, created_at: now }))).execute());

  // Posts over the last 30 days, oldest first so ids follow time as they do live; some people post far more than others.
  const postsStarted = performance.now();
  const times = Array.from({ length: postCount }, () => now - Math.floor(random() * SPAN_DAYS * DAY_MS)).sort((a, b) => a - b);
  const posts = times.map((createdAt) => {
    const likes = Math.min(userCount - 1, heavyTail(random, 1.2));
    const text = Array.from({ length: int(40) }, () => WORDS[int(WORDS.length)]!).join(' ');
    return {
      author: Math.floor(userCount * random() ** 2),
      friendsOnly: random() < FRIENDS_ONLY_SHARE,
      images: random() < WITH_IMAGES_SHARE ? 1 + int(3) : 0,
      text,
      createdAt,
      likes,
      comments: Math.floor(likes * random() * 0.5),
      views: likes * (5 + int(20)) + int(30),
    };
  });
  await insertChunks(db, posts, (tx, chunk) =>
    tx
      .insertInto('posts')
      .values(
        chunk.map((p) => ({
          author_id: userIds[p.author]!,
          text: p.text || (p.images ? '' : 'Hello'),
          visibility: p.friendsOnly ? ('friends' as const) : ('public' as const),
          like_count: p.likes,
          comment_count: p.comments,
          view_count: p.views,
          rank_at: p.createdAt,
          created_at: p.createdAt,
        })),
      )
      .execute(),
  );
  const postIds = (await db.selectFrom('posts').select('id').orderBy('id').execute()).map((row) => Number(row.id));
  // The popular feed's order, as the posts repository computes it whenever the counts change.
  await sql`update posts set rank_at = created_at + cast(log10(1 + like_count + 2 * comment_count + view_count / 10.0) * 86400000 as bigint)`.execute(db);

  const images = posts.flatMap((p, i) =>
    Array.from({ length: p.images }, (_, position) => ({
      post_id: postIds[i]!,
      position,
      blob_key: `posts/bench-shared-${int(SHARED_IMAGE_KEYS)}`,
      width: position % 2 ? 1200 : 1600,
      height: position % 2 ? 1600 : 1200,
      placeholder: PLACEHOLDER,
    })),
  );
  await insertChunks(db, images, (tx, chunk) => tx.insertInto('post_images').values(chunk).execute());

  // The like rows behind the counts, so `likedByMe` reads a table of realistic size.
  const likes: Array<{ post_id: number; user_id: number; created_at: number }> = [];
  posts.forEach((p, i) => {
    const likers = new Set<number>();
    while (likers.size < p.likes) {
      const u = int(userCount);
      if (u !== p.author) likers.add(u);
    }
    for (const u of likers) likes.push({ post_id: postIds[i]!, user_id: userIds[u]!, created_at: p.createdAt + int(DAY_MS) });
  });
  await insertChunks(db, likes, (tx, chunk) => tx.insertInto('post_likes').values(chunk).execute());
  const postsSeconds = (performance.now() - postsStarted) / 1000;
  // PostgreSQL plans by table statistics, and index-only scans skip the table only where the
  // visibility map says so; on a live database autovacuum keeps both. Here the rank_at update above
  // has just left a dead copy of every post, and autovacuum would wake in the middle of a
  // measurement, so the tables are vacuumed and analyzed now. SQLite has no statistics unless
  // ANALYZE runs, and the server does not run it, so neither does this.
  if (handle.engine === 'postgres') await sql`vacuum analyze users, friendships, blocks, posts, post_images, post_likes`.execute(db);

  return {
    userIds,
    posts: posts.map((p) => ({ author: p.author, friendsOnly: p.friendsOnly })),
    postIds,
    friends,
    blocks,
    counts: { friendships: friends.size / 2, blocks: blocks.size, images: images.length, likes: likes.length },
    seconds: { users: usersSeconds, posts: postsSeconds, all: (performance.now() - started) / 1000 },
  };
}

// --- the photos -----------------------------------------------------------------------------------

const PHOTO = { width: 4000, height: 3000, quality: 88 };

/**
 * A 12-megapixel JPEG that decodes and compresses like a photo: soft colour fields with shapes
 * across them, a little blur, then sensor grain; a few MB, as a phone writes it.
 */
async function makePhoto(random: () => number): Promise<Buffer> {
  const { width, height } = PHOTO;
  const colour = () => `rgb(${Math.floor(random() * 256)},${Math.floor(random() * 256)},${Math.floor(random() * 256)})`;
  const shapes = Array.from(
    { length: 80 },
    () =>
      `<ellipse cx="${Math.floor(random() * width)}" cy="${Math.floor(random() * height)}" rx="${50 + Math.floor(random() * 600)}" ` +
      `ry="${50 + Math.floor(random() * 400)}" fill="${colour()}" fill-opacity="${(0.2 + random() * 0.5).toFixed(2)}"/>`,
  ).join('');
  const fields = await sharp({ create: { width: 24, height: 18, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .resize(width, height, { kernel: 'cubic' })
    .composite([{ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`) }])
    .blur(2)
    .raw()
    .toBuffer();
  const grain = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 24 } } }).raw().toBuffer();
  return sharp(fields, { raw: { width, height, channels: 3 } })
    .composite([{ input: grain, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .withExif({ IFD0: { Make: 'Example', Model: 'Phone 12', Software: 'Camera 1.0' } })
    .jpeg({ quality: PHOTO.quality })
    .toBuffer();
}

// --- measuring ------------------------------------------------------------------------------------

const SCENARIO_KEYS = ['latest', 'latestDeep', 'friends', 'friendsDeep', 'popular', 'popularDeep', 'author'] as const;
type ScenarioKey = (typeof SCENARIO_KEYS)[number];
/** --scenarios=friends,friendsDeep measures only those (the report then does not judge the goal). */
const chosenScenarios = listOption('scenarios', SCENARIO_KEYS);
interface Scenario {
  key: ScenarioKey;
  label: string;
  /** The request path for one reader. */
  path: (reader: Reader) => string;
}
/** Per feed: its load, the single-post reads beside it, and the server's CPU meanwhile (a share of one core). */
type RunResult = Record<ScenarioKey, { feed: LoadResult; background: LoadResult; serverCpu: number }> & { create: LoadResult };

interface Reader {
  index: number;
  token: string;
  /** Whose profile this reader opens: the author of a random post, never across a block. */
  authorId: number;
}

interface PageBody {
  items: Array<{ id: number }>;
  nextCursor: string | null;
}

/** Cursors a third of the way down each feed (about ten days back), as the API encodes them. */
interface DeepCursors {
  byId: string;
  byRank: string;
}

const encodeCursor = (values: number[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

async function deepCursors(handle: DatabaseHandle): Promise<DeepCursors> {
  const depth = Math.floor(postCount / 3);
  const { db } = handle;
  const byId = await db.selectFrom('posts').select('id').orderBy('id', 'desc').offset(depth).limit(1).executeTakeFirstOrThrow();
  const byRank = await db.selectFrom('posts').select(['rank_at', 'id']).orderBy('rank_at', 'desc').orderBy('id', 'desc').offset(depth).limit(1).executeTakeFirstOrThrow();
  return { byId: encodeCursor([Number(byId.id)]), byRank: encodeCursor([Number(byRank.rank_at), Number(byRank.id)]) };
}

function defineScenarios(cursors: DeepCursors): Scenario[] {
  const feed = (kind: string, cursor?: string) => `/api/v1/posts?feed=${kind}&limit=${PAGE_SIZE}${cursor ? `&cursor=${cursor}` : ''}`;
  return [
    { key: 'latest', label: '`feed=latest`, first page', path: () => feed('latest') },
    { key: 'latestDeep', label: '`feed=latest`, a third down', path: () => feed('latest', cursors.byId) },
    { key: 'friends', label: '`feed=friends`, first page', path: () => feed('friends') },
    { key: 'friendsDeep', label: '`feed=friends`, a third down', path: () => feed('friends', cursors.byId) },
    { key: 'popular', label: '`feed=popular`, first page', path: () => feed('popular') },
    { key: 'popularDeep', label: '`feed=popular`, a third down', path: () => feed('popular', cursors.byRank) },
    { key: 'author', label: '`GET /users/:id/posts`, first page', path: (r) => `/api/v1/users/${r.authorId}/posts?limit=${PAGE_SIZE}` },
  ];
}

async function logIn(url: string, login: string, password: string): Promise<string> {
  const session = await requestJson<{ accessToken: string }>(`${url}/api/v1/auth/login`, { body: { login, password }, expect: 200 });
  return session.accessToken;
}

/** Signs in READERS seeded users at random, a few at a time (each login is an argon2 hash). */
async function signInReaders(url: string, data: Seeded, password: string): Promise<Reader[]> {
  const random = seededRandom(99);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(READERS, userCount)) chosen.add(Math.floor(random() * userCount));
  const indexes = [...chosen];
  const readers: Reader[] = [];
  for (let i = 0; i < indexes.length; i += 8) {
    const batch = indexes.slice(i, i + 8);
    const tokens = await Promise.all(batch.map((index) => logIn(url, `poster_${String(index).padStart(5, '0')}`, password)));
    batch.forEach((index, k) => {
      let author = data.posts[Math.floor(random() * data.posts.length)]!.author;
      while (blockedBetween(data, index, author)) author = data.posts[Math.floor(random() * data.posts.length)]!.author;
      readers.push({ index, token: tokens[k]!, authorId: data.userIds[author]! });
    });
  }
  return readers;
}

/** Reads of single posts the reader may see, so every one is a 200 and a view. */
function backgroundRequests(readers: readonly Reader[], data: Seeded): OpenLoopRequest[] {
  const random = seededRandom(7);
  const requests: OpenLoopRequest[] = [];
  while (requests.length < 5000) {
    const reader = readers[Math.floor(random() * readers.length)]!;
    const i = Math.floor(random() * data.posts.length);
    const post = data.posts[i]!;
    const visible =
      post.author === reader.index || (!blockedBetween(data, reader.index, post.author) && (!post.friendsOnly || data.friends.has(pairKey(reader.index, post.author))));
    if (visible) requests.push({ method: 'GET', path: `/api/v1/posts/${data.postIds[i]}`, headers: { authorization: `Bearer ${reader.token}` } });
  }
  return requests;
}

/** The mean page size of each scenario over some readers: a failing or empty feed would be measured as fast. */
async function checkScenarios(url: string, scenarios: readonly Scenario[], readers: readonly Reader[]): Promise<Record<ScenarioKey, number>> {
  const sizes: Partial<Record<ScenarioKey, number>> = {};
  const sample = readers.slice(0, 20);
  for (const scenario of scenarios) {
    let items = 0;
    for (const reader of sample) {
      const page = await requestJson<PageBody>(url + scenario.path(reader), { headers: { authorization: `Bearer ${reader.token}` }, expect: 200 });
      items += page.items.length;
    }
    sizes[scenario.key] = items / sample.length;
    if (sizes[scenario.key] === 0) throw new Error(`${scenario.key}: every page was empty`);
  }
  return sizes as Record<ScenarioKey, number>;
}

function describeResult(key: string, result: LoadResult): string {
  return (
    `${key.padEnd(12)} ${formatCount(result.requestsPerSecondMean).padStart(6)} req/s mean, p50 ${formatMs(result.latencyP50Ms)} ms, ` +
    `p99 ${formatMs(result.latencyP99Ms)} ms, ${formatCount(result.total)} requests`
  );
}

/**
 * GET /posts/:id alone, as fast as the server answers: what the 2,000 reads a second take of it.
 * With --profile, prints where the server's CPU goes meanwhile.
 */
async function measureReadCapacity(url: string, background: OpenLoopRequest[], inspectPort?: number): Promise<LoadResult> {
  const load = () =>
    measureLoad('GET /posts/:id alone', { url, requests: background, connections: BACKGROUND_CONNECTIONS, workers: 1, durationSeconds, warmupSeconds });
  if (inspectPort === undefined) {
    const result = await load();
    console.log(`  ${describeResult('reads alone', result)}`);
    return result;
  }
  const inspector = await openInspector('127.0.0.1', inspectPort);
  try {
    await inspector.startProfiling();
    const result = await load();
    const summary = summarizeProfile(await inspector.stopProfiling());
    console.log(`  ${describeResult('reads alone', result)}`);
    console.log(`  server CPU: idle ${(summary.idleShare * 100).toFixed(1)} %`);
    for (const c of summary.components.slice(0, 15)) console.log(`    ${(c.selfShare * 100).toFixed(1).padStart(5)} %  ${c.name}`);
    for (const e of summary.entries.slice(0, 40)) console.log(`    ${(e.selfShare * 100).toFixed(1).padStart(5)} %  ${e.name}  ${e.where}`);
    return result;
  } finally {
    await inspector.close();
  }
}

async function measureOnce(inspectPort: number | undefined, serverPid: number, url: string, scenarios: readonly Scenario[], readers: readonly Reader[], background: OpenLoopRequest[], upload: { body: Buffer; contentType: string }): Promise<RunResult> {
  const results: Partial<RunResult> = {};
  for (const scenario of scenarios) {
    // The single-post reads run in a worker thread of their own, at a fixed rate, for as long as the feed's load.
    const inspector = inspectPort === undefined ? undefined : await openInspector('127.0.0.1', inspectPort);
    await inspector?.startProfiling();
    const meter = cpuMeter([serverPid]);
    const [feed, reads] = await Promise.all([
      measureOpenLoop(scenario.key, {
        url,
        requests: readers.map((reader) => ({ method: 'GET', path: scenario.path(reader), headers: { authorization: `Bearer ${reader.token}` } })),
        connections: feedConnections,
        ratePerSecond: feedRate,
        durationSeconds,
        warmupSeconds,
      }),
      measureOpenLoop(`GET /posts/:id during ${scenario.key}`, {
        url,
        requests: background,
        connections: BACKGROUND_CONNECTIONS,
        ratePerSecond: BACKGROUND_RATE,
        durationSeconds,
        warmupSeconds,
      }),
    ]);
    const serverCpu = meter.stop().perProcess[0]!;
    if (inspector) {
      // What held the event loop longest while the feed and the reads ran.
      for (const stretch of longestBusyStretches(await inspector.stopProfiling())) {
        console.log(`    busy ${stretch.ms.toFixed(1)} ms: ${stretch.top.map((f) => `${f.name} ${f.where} ${f.ms.toFixed(1)}`).join('; ')}`);
      }
      await inspector.close();
    }
    console.log(`  ${describeResult(scenario.key, feed)}; GET /posts/:id ${formatCount(reads.requestsPerSecondMean)}/s, p99 ${formatMs(reads.latencyP99Ms)} ms; server CPU ${formatRatio(serverCpu)}`);
    results[scenario.key] = { feed, background: reads, serverCpu };
  }
  results.create = await measureLoad('POST /posts', {
    url: `${url}/api/v1/posts`,
    method: 'POST',
    headers: { 'content-type': upload.contentType },
    body: upload.body,
    // Two people posting, one each.
    connectionHeaders: readers.slice(0, CREATE_CONNECTIONS).map((reader) => ({ authorization: `Bearer ${reader.token}` })),
    connections: CREATE_CONNECTIONS,
    durationSeconds,
    warmupSeconds,
  });
  console.log(`  ${describeResult('create', results.create)}`);
  return results as RunResult;
}

// --- the report -----------------------------------------------------------------------------------

interface ReportContext {
  storage: BenchEnvironment['storage'];
  started: Date;
  data: Seeded;
  pageSizes: Record<ScenarioKey, number>;
  photoBytes: number;
  viewsCounted: number;
  /** GET /posts/:id alone, as fast as the server answers. */
  readCapacity: LoadResult;
}

function report(results: RunResult[], scenarios: readonly Scenario[], context: ReportContext): string {
  const machine = describeMachine();
  const { data } = context;
  const feedMedian = (key: ScenarioKey, pick: (r: LoadResult) => number) => median(results.map((run) => pick(run[key].feed)));
  const readsMedian = (key: ScenarioKey, pick: (r: LoadResult) => number) => median(results.map((run) => pick(run[key].background)));
  const createMedian = (pick: (r: LoadResult) => number) => median(results.map((run) => pick(run.create)));
  const p99 = (key: ScenarioKey) => feedMedian(key, (r) => r.latencyP99Ms);
  const fullSize = userCount === GOAL.users && postCount === GOAL.posts && scenarios.length === SCENARIO_KEYS.length;

  const feedTable = markdownTable(
    [
      ['request', 'items a page', 'pages/s', 'p50 (ms)', 'p99 (ms)', `p99 < ${GOAL.p99Ms} ms`, 'GET /posts/:id meanwhile: req/s', 'its p99 (ms)', 'server CPU'],
      ...scenarios.map((s) => [
        s.label,
        context.pageSizes[s.key].toFixed(1),
        formatCount(feedMedian(s.key, (r) => r.requestsPerSecondMean)),
        formatMs(feedMedian(s.key, (r) => r.latencyP50Ms)),
        formatMs(p99(s.key)),
        p99(s.key) < GOAL.p99Ms ? 'met' : '**not met**',
        formatCount(readsMedian(s.key, (r) => r.requestsPerSecondMean)),
        formatMs(readsMedian(s.key, (r) => r.latencyP99Ms)),
        formatRatio(median(results.map((run) => run[s.key].serverCpu))),
      ]),
    ],
    ['l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r'],
  );
  const createTable = markdownTable(
    [
      ['measurement', 'connections', 'posts/s mean', 'p50 (ms)', 'p99 (ms)', 'posts in the run'],
      [
        `POST /api/v1/posts, text and two ${PHOTO.width}×${PHOTO.height} JPEGs (${formatCount(context.photoBytes / 1024)} KiB together)`,
        String(CREATE_CONNECTIONS),
        createMedian((r) => r.requestsPerSecondMean).toFixed(2),
        formatMs(createMedian((r) => r.latencyP50Ms)),
        formatMs(createMedian((r) => r.latencyP99Ms)),
        formatCount(createMedian((r) => r.total)),
      ],
    ],
    ['l', 'r', 'r', 'r', 'r', 'r'],
  );
  const perRun = markdownTable(
    [
      ['p99 (ms) in run', ...results.map((_, i) => String(i + 1))],
      ...scenarios.map((s) => [s.key, ...results.map((run) => formatMs(run[s.key].feed.latencyP99Ms))]),
      ['posts/s (create)', ...results.map((run) => run.create.requestsPerSecondMean.toFixed(2))],
    ],
    ['l', ...results.map(() => 'r' as const)],
  );

  const missed = scenarios.filter((s) => p99(s.key) >= GOAL.p99Ms);
  const slowest = scenarios.reduce((a, b) => (p99(b.key) > p99(a.key) ? b : a));
  const outcome =
    missed.length === 0
      ? `every feed under ${GOAL.p99Ms} ms; the slowest p99 is ${formatMs(p99(slowest.key))} ms (${slowest.label})`
      : `${missed.length} of ${scenarios.length} at ${GOAL.p99Ms} ms or over: ` + missed.map((s) => `${s.label} (${formatMs(p99(s.key))} ms)`).join(', ');
  const verdict = fullSize
    ? `**${missed.length === 0 ? 'Met' : 'Not met'} in this run**: ${outcome}.`
    : `With ${formatCount(userCount)} users and ${formatCount(postCount)} posts (the goal's: ${formatCount(GOAL.users)} and ${formatCount(GOAL.posts)}) and ${scenarios.length} of ${SCENARIO_KEYS.length} feeds, this run does not judge the goal (measured: ${outcome}).`;

  const on = context.storage.engine === 'SQLite' ? 'SQLite' : `PostgreSQL${context.storage.redis ? ' + Redis' : ''}`;
  const runsText = `${results.length} run${results.length === 1 ? '' : 's'}`;
  const { counts, seconds } = data;
  return `## Posts on ${on} (npm run bench:posts)

_Generated by \`bench/posts.ts\`; this section is rewritten on every run._

- **Date:** ${context.started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(machine)}
- **Storage:** ${context.storage.engine}, Redis ${context.storage.redis ? 'yes' : 'no'}
- **Data:** ${formatCount(userCount)} users, ${formatCount(counts.friendships)} friendships, ${formatCount(counts.blocks)} blocks, ${formatCount(postCount)} posts over ${SPAN_DAYS} days (${Math.round(FRIENDS_ONLY_SHARE * 100)} % friends-only) with ${formatCount(counts.images)} images and ${formatCount(counts.likes)} likes, written into the database before the server starts in ${seconds.all.toFixed(1)} s (users ${seconds.users.toFixed(1)} s, posts with their images and likes ${seconds.posts.toFixed(1)} s)
- **Command:** \`${commandLine('bench:posts')}\`
- **Each measurement:** ${warmupSeconds} s warm-up, then ${durationSeconds} s; pipelining 1; median of ${runsText}

The data comes from a fixed seed. Each person asks ${FRIEND_ASKS} others to be friends (about ${2 * FRIEND_ASKS} friends each);
${Math.round(BLOCKING_SHARE * 100)} % block one or two people. Some people post far more than others. Likes, comments and views follow a
heavy tail (most posts have few, some have hundreds), and \`rank_at\` is computed from them as the
posts repository does; the like rows are there, so \`likedByMe\` is looked up for real. A tenth of the
posts have one to three images, whose rows point at ${SHARED_IMAGE_KEYS} shared keys (a feed signs their URLs and never reads the files).

${formatCount(READERS)} seeded people sign in over HTTP; every request of a feed load is one of them, in turn, over
${feedConnections} connections. *A third down* pages from a cursor a third of the way down the feed (for
\`latest\` and \`friends\`, the post ${formatCount(Math.floor(postCount / 3))} from the newest, about ten days back; for \`popular\`, the
post at that rank). \`GET /users/:id/posts\` opens the profile of the author of a random post, never across a block.
Each feed is requested at ${formatCount(feedRate)} pages a second over ${feedConnections} connections while single posts
(\`GET /api/v1/posts/:id\`, posts the reader may see) are read at ${formatCount(BACKGROUND_RATE)} a second over ${BACKGROUND_CONNECTIONS} connections:
both at constant rates, each from a worker thread of its own (\`bench/lib/open-loop.ts\`). Request *i* is due at
*i* / rate whatever the answers before it did, and its latency counts from when it was due, so a
server that stalls is charged for every request it kept waiting (no coordinated omission, as in wrk2).
Every post read by id or on a feed page counts as a view: ${formatCount(context.viewsCounted)} views were counted over the whole benchmark.
*Items a page* is the mean over 20 readers; *server CPU* is the server process's, as a share of one core.
Alone, \`GET /posts/:id\` answers ${formatCount(context.readCapacity.requestsPerSecondMean)} requests a second over ${BACKGROUND_CONNECTIONS} connections as fast as they go
(autocannon; p50 ${formatMs(context.readCapacity.latencyP50Ms)} ms, p99 ${formatMs(context.readCapacity.latencyP99Ms)} ms), so the ${formatCount(BACKGROUND_RATE)} a second above are a sustained load, not a saturating one.

${feedTable}

**Goal:** p99 under ${GOAL.p99Ms} ms for every feed with ${formatCount(GOAL.users)} users and ${formatCount(GOAL.posts)} posts, while
views are counted at ${formatCount(BACKGROUND_RATE)} reads a second, with the load generators on the same machine (${machine.cpuCount} cores). ${verdict}

A post with images is read as multipart, each photo decoded, turned upright, written as a display
WebP (longest side 1,600 px) and a 400 px thumbnail with a ThumbHash placeholder, stored, then the
post row written and \`post.created\` sent to the author's friends. Two people post at once, without
the background reads.

${createTable}

Per run, to show the spread:

${perRun}
`;
}

// --- main -----------------------------------------------------------------------------------------

async function sumOfViews(handle: DatabaseHandle): Promise<number> {
  const row = await handle.db.selectFrom('posts').select((eb) => eb.fn.sum<number | string>('view_count').as('views')).executeTakeFirstOrThrow();
  return Number(row.views);
}

async function main(): Promise<void> {
  const started = new Date();
  const loadMinutes = (8 * (warmupSeconds + durationSeconds) * runs) / 60;
  console.log(
    `bench:posts — ${formatCount(userCount)} users, ${formatCount(postCount)} posts, ${runs} run(s), ${durationSeconds} s per measurement ` +
      `(about ${loadMinutes.toFixed(1)} min of load after seeding)`,
  );

  console.log('building…');
  await runNpmScript('build');

  let environment: BenchEnvironment | undefined;
  let database: DatabaseHandle | undefined;
  let server: ServerProcess | undefined;
  const cleanup = cleanupOnExit(async () => {
    try {
      await database?.close();
      if (server) await stopServer(server);
    } finally {
      await environment?.cleanup();
    }
  });

  try {
    environment = await createBenchEnvironment(settings);
    console.log(`storage: ${environment.storage.engine}, Redis ${environment.storage.redis ? 'yes' : 'no'}`);
    // The server's own configuration, database code and migrations: the tables are exactly its own.
    const config = loadConfig(environment.env);
    const password = randomText(24);
    const passwordHash = await new Argon2PasswordHasher(config.auth.argon2).hash(password);
    const photoRandom = seededRandom(12);
    const photos = [await makePhoto(photoRandom), await makePhoto(photoRandom)];
    const upload = multipartBody([
      { name: 'text', value: 'Two from the weekend' },
      ...photos.map((data, i) => ({ name: 'images', filename: `photo-${i + 1}.jpg`, contentType: 'image/jpeg', data })),
    ]);
    const photoBytes = photos.reduce((sum, photo) => sum + photo.length, 0);
    console.log(`photos: two ${PHOTO.width}×${PHOTO.height} JPEGs, ${formatCount(photoBytes / 1024)} KiB together`);

    console.log('seeding…');
    database = openDatabase(config);
    await migrateToLatest(database, config.database.schema);
    const data = await seed(database, passwordHash);
    const cursors = await deepCursors(database);
    const viewsBefore = await sumOfViews(database);
    await database.close();
    database = undefined;
    const { counts, seconds } = data;
    console.log(
      `  ${formatCount(userCount)} users in ${seconds.users.toFixed(1)} s; ${formatCount(counts.friendships)} friendships, ${formatCount(counts.blocks)} blocks; ` +
        `${formatCount(postCount)} posts, ${formatCount(counts.images)} images, ${formatCount(counts.likes)} likes in ${seconds.posts.toFixed(1)} s; ${seconds.all.toFixed(1)} s in all`,
    );

    const inspectPort = profile ? await freePort() : undefined;
    server = await startBuiltServer({
      env: environment.env,
      cwd: environment.dataDir,
      host: '127.0.0.1',
      port: await freePort(),
      readyTimeoutMs: 60_000,
      nodeArgs: inspectPort ? [`--inspect=127.0.0.1:${inspectPort}`] : [],
    });
    const readers = await signInReaders(server.url, data, password);
    const scenarios = defineScenarios(cursors).filter((s) => chosenScenarios.includes(s.key));
    const pageSizes = await checkScenarios(server.url, scenarios, readers);
    for (const s of scenarios) console.log(`  ${s.key.padEnd(12)} ${pageSizes[s.key].toFixed(1)} items a page`);
    const background = backgroundRequests(readers, data);
    const first = await fetch(`${server.url}/api/v1/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${readers[0]!.token}`, 'content-type': upload.contentType },
      body: upload.body,
    });
    const answer = await first.text();
    if (first.status !== 201) throw new Error(`POST /posts: expected 201, got ${first.status}: ${answer.slice(0, 500)}`);

    const readCapacity = await measureReadCapacity(server.url, background, inspectPort);
    const results: RunResult[] = [];
    for (let i = 1; i <= runs; i++) {
      console.log(`run ${i}/${runs}`);
      results.push(await measureOnce(inspectPort, server.child.pid!, server.url, scenarios, readers, background, upload));
    }
    // Stopping flushes the views still in memory.
    await stopServer(server);
    server = undefined;
    database = openDatabase(config);
    const viewsCounted = (await sumOfViews(database)) - viewsBefore;

    const section = report(results, scenarios, { storage: environment.storage, started, data, pageSizes, photoBytes, viewsCounted, readCapacity });
    // One section per storage engine, so a PostgreSQL run does not replace the SQLite figures.
    await writeSection(environment.storage.engine === 'SQLite' ? 'posts' : 'posts-postgres', section);
    console.log(`\n${section}\nwritten to docs/BENCHMARKS.md`);
  } catch (error) {
    if (server) console.error(`server output (last part):\n${server.output() || '(none)'}`);
    throw error;
  } finally {
    await cleanup();
  }
}

await main();
