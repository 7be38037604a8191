import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from './process.js';
import { formatCount } from './stats.js';

export const benchmarksFile = path.join(projectRoot, 'docs/BENCHMARKS.md');

/**
 * What docs/BENCHMARKS.md starts with when it does not exist yet. Once it exists the file is edited
 * by hand outside the generated sections, and this text is not written again.
 */
const PREAMBLE = `# Benchmarks

Figures measured by the \`npm run bench:*\` scripts. Each script owns one section below, between
its \`<!-- bench:NAME:start -->\` and \`<!-- bench:NAME:end -->\` markers, and rewrites only that
section when it runs; everything outside the markers is kept as written.

## How the figures are taken

- **The real server.** The script builds the project (\`npm run build\`) and starts \`node dist/main.js\`
  as its own process, with \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, a random \`AUTH_SECRET\`, default
  password-hashing cost, and a fresh database: SQLite in a temp \`DATA_DIR\`, or, when \`DATABASE_URL\`
  is set, a new PostgreSQL schema (\`REDIS_URL\` is passed through when set). Rate limits are raised
  so that they never answer 429; their bookkeeping still runs. The server is stopped with SIGTERM
  and the temp directory or schema removed afterwards.
- **Load.** [autocannon](https://github.com/mcollina/autocannon) runs inside the benchmark's own Node
  process **on the same machine**, so the load generator and the server share the CPUs; the figures
  are a floor for what the server does when the load comes from elsewhere. The server is one Node
  process, so request handling uses at most one core (password hashing runs on libuv's thread pool
  and can use them all).
- **One measurement** is a 2 s warm-up, thrown away, then 10 s of load. *req/s mean* is autocannon's
  mean of the per-second request counts, *req/s median* their median; latency p50 and p99 are over
  every request of the 10 s. Any non-2xx response or connection error aborts the benchmark: an
  error page served fast is not a result.
- **Repetition.** The whole set of measurements runs several times (default 3, \`--runs=N\`) against
  the same server, and the tables give the **median over the runs** of each figure. Ratios (such
  as an endpoint's throughput against \`GET /health\`) are computed within each run, then the median
  is taken. The machines are shared and noisy: quote ratios and medians, and compare figures only
  between runs on the same kind of machine.
`;

const markers = (name: string) => ({ start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` });

/**
 * Replaces benchmark `name`'s section of `file` with `content` (which carries its own heading),
 * leaving the rest untouched; appends the section when it is not there yet, and creates the file
 * with the shared preamble when it does not exist.
 */
export async function writeSection(name: string, content: string, file = benchmarksFile): Promise<void> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    text = PREAMBLE;
  }
  const { start, end } = markers(name);
  const block = `${start}\n${content.trim()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 && to === -1) {
    text = `${text.trimEnd()}\n\n${block}\n`;
  } else if (from !== -1 && to > from && text.indexOf(start, from + 1) === -1) {
    text = text.slice(0, from) + block + text.slice(to + end.length);
  } else {
    throw new Error(`${path.relative(projectRoot, file)}: the ${start} … ${end} markers are broken; fix them by hand`);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, text);
}

/** A Markdown table; the first row is the header. */
export function markdownTable(rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[] = []): string {
  const [header, ...body] = rows;
  if (!header) return '';
  const rule = header.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [header, rule, ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** The password-hashing cost a server runs with, as one line of a report. */
export const argon2Line = (cost: { memoryKib: number; timeCost: number; parallelism: number }) =>
  `argon2id, memory ${formatCount(cost.memoryKib)} KiB, time cost ${cost.timeCost}, parallelism ${cost.parallelism}`;
