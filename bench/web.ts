import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { integerOption, commandLine } from './lib/args.js';
import { requestJson } from './lib/http.js';
import { createBenchEnvironment, randomText, type BenchEnvironment } from './lib/environment.js';
import { describeMachine, machineLine } from './lib/machine.js';
import { cleanupOnExit, freePort, projectRoot, runNpmScript, startBuiltServer, stopServer, type ServerProcess } from './lib/process.js';
import { markdownTable, writeSection } from './lib/report.js';
import { formatCount, median } from './lib/stats.js';

/**
 * `npm run bench:web`: the web client with a long chat, in Debian's Chromium against the built
 * server. How long the newest page of a 10,000-message chat takes to show, how long scrolling up
 * takes to load all of it, and then how smoothly it scrolls with every message in the page: frame
 * times while the view scrolls from the newest message to the oldest and back.
 */
const messageCount = integerOption('messages', 10_000);
const runs = integerOption('runs', 3);
const PASSWORD = 'lantern-harbor-73-violet';
const settings: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  AUTH_SECRET: randomText(48),
  // Seeding writes thousands of messages from one address; the client is not what limits measure here.
  RATE_LIMIT_ENABLED: 'false',
};

interface RunResult {
  firstPageMs: number;
  allLoadedMs: number;
  /** When each further thousand messages were loaded, in ms from the start of loading. */
  thousands: number[];
  /** Message rows in the page once all are loaded: the window around the viewport. */
  rowsInPage: number;
  frames: number;
  frameP50: number;
  frameP95: number;
  frameP99: number;
  /** Share of frames that took longer than two refreshes at 60 Hz (33 ms). */
  slowShare: number;
  heapMb: number;
}

const bearer = (token: string | undefined): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});

/** Two friends and a chat of `count` messages between them, written through the API. */
async function seedChat(base: string, count: number): Promise<void> {
  const people = ['reader', 'writer'];
  const tokens: string[] = [];
  const ids: number[] = [];
  for (const username of people) {
    const user = await requestJson<{ id: number }>(`${base}/api/v1/auth/register`, { body: { username, email: `${username}@example.com`, password: PASSWORD, passwordConfirm: PASSWORD }, expect: 201 });
    ids.push(user.id);
    tokens.push((await requestJson<{ accessToken: string }>(`${base}/api/v1/auth/login`, { body: { login: username, password: PASSWORD }, expect: 200 })).accessToken);
  }
  await requestJson(`${base}/api/v1/friends/${ids[1]}`, { method: 'PUT', headers: bearer(tokens[0]), expect: 200 });
  await requestJson(`${base}/api/v1/friends/${ids[0]}`, { method: 'PUT', headers: bearer(tokens[1]), expect: 200 });
  const chat = await requestJson<{ id: number }>(`${base}/api/v1/chats`, { headers: bearer(tokens[0]), body: { type: 'direct', memberIds: [ids[1]] }, expect: 201 });
  const words = 'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first been call who its now find long down day did get come made may part'.split(' ');
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const length = 3 + (i * 7919) % 40;
      const text = Array.from({ length }, (_, j) => words[(i * 31 + j * 17) % words.length]).join(' ');
      await requestJson(`${base}/api/v1/chats/${chat.id}/messages`, { headers: bearer(tokens[i % 2]), body: { text: `${i + 1}. ${text}` }, expect: 201 });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function oneRun(browser: Browser, base: string): Promise<RunResult> {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto('/signin');
    await page.getByLabel('Username or e-mail').fill('reader');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const chatLink = page.getByRole('link', { name: /writer/ });
    await chatLink.waitFor();
    const opened = Date.now();
    await chatLink.click();
    await page.getByLabel('Messages', { exact: true }).getByText(`${messageCount}. `, { exact: false }).first().waitFor();
    const firstPageMs = Date.now() - opened;
    const { allLoadedMs, thousands } = await loadEverything(page);
    const rowsInPage = await page.evaluate<number>("document.querySelectorAll('.messages li.message').length");
    const frames = await scrollFrames(page);
    const heap = await page.evaluate<number>('performance.memory ? performance.memory.usedJSHeapSize : 0');
    const sorted = [...frames].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return {
      firstPageMs,
      allLoadedMs,
      thousands,
      rowsInPage,
      frames: frames.length,
      frameP50: at(0.5),
      frameP95: at(0.95),
      frameP99: at(0.99),
      slowShare: frames.filter((f) => f > 33.4).length / Math.max(1, frames.length),
      heapMb: heap / 1024 / 1024,
    };
  } finally {
    await context.close();
  }
}

/**
 * Scrolls to the top until the first message is there, as a reader pulling the history up would.
 * Only rows near the viewport are in the page, so what is loaded is read from the oldest row
 * shown at the top: each message's text starts with its number.
 */
async function loadEverything(page: Page): Promise<{ allLoadedMs: number; thousands: number[] }> {
  const started = Date.now();
  const thousands: number[] = [];
  let reported = 0;
  for (;;) {
    const oldest = await page.evaluate<number>(`(() => {
      const box = document.querySelector('.messages');
      box.scrollTop = 0;
      box.dispatchEvent(new Event('scroll'));
      const text = document.querySelector('.messages li.message .text')?.textContent ?? '';
      return Number(/^(\\d+)\\. /.exec(text)?.[1] ?? ${messageCount + 1});
    })()`);
    const loaded = messageCount - oldest + 1;
    if (loaded >= reported + 1000) {
      reported = loaded - (loaded % 1000);
      thousands.push(Date.now() - started);
      console.log(`  ${formatCount(loaded)} messages loaded after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (oldest === 1) break;
    await page.waitForTimeout(20);
    if (Date.now() - started > 600_000) throw new Error('the history did not load in 10 minutes');
  }
  return { allLoadedMs: Date.now() - started, thousands };
}

/**
 * Frame times while the list scrolls, as a quick reader flicks through it: from the middle of the
 * history, 300 frames up and 300 down, 100 px a frame; then the same at the oldest end.
 */
async function scrollFrames(page: Page): Promise<number[]> {
  return page.evaluate<number[]>(`new Promise((resolve) => {
    const box = document.querySelector('.messages');
    const frames = [];
    const legs = [
      { from: box.scrollHeight / 2, direction: -1 },
      { from: null, direction: 1 },
      { from: 0, direction: 1 },
      { from: null, direction: -1 },
    ];
    let leg = 0;
    let count = 0;
    let last = 0;
    const startLeg = () => {
      if (legs[leg].from !== null) box.scrollTop = legs[leg].from;
      count = 0;
      last = 0;
    };
    const step = (now) => {
      if (last) frames.push(now - last);
      last = now;
      box.scrollTop += 100 * legs[leg].direction;
      if (++count >= 300) {
        if (++leg >= legs.length) return resolve(frames);
        startLeg();
      }
      requestAnimationFrame(step);
    };
    startLeg();
    requestAnimationFrame(step);
  })`);
}

async function firstScreenKb(): Promise<number> {
  const dist = path.join(projectRoot, 'web/dist');
  const html = await readFile(path.join(dist, 'index.html'), 'utf8');
  let bytes = 0;
  for (const [, src] of html.matchAll(/<script[^>]*\bsrc="([^"]+\.js)"/g)) bytes += gzipSync(await readFile(path.join(dist, src!))).length;
  return bytes / 1024;
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`bench:web — a chat of ${formatCount(messageCount)} messages, ${runs} run(s)`);
  console.log('building…');
  await runNpmScript('build');
  let environment: BenchEnvironment | undefined;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const cleanup = cleanupOnExit(async () => {
    try {
      await browser?.close();
      if (server) await stopServer(server);
    } finally {
      await environment?.cleanup();
    }
  });
  try {
    environment = await createBenchEnvironment(settings);
    server = await startBuiltServer({ env: environment.env, cwd: environment.dataDir, host: '127.0.0.1', port: await freePort(), readyTimeoutMs: 60_000 });
    const seedStarted = Date.now();
    await seedChat(server.url, messageCount);
    console.log(`seeded ${formatCount(messageCount)} messages in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`);
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--enable-precise-memory-info'] });
    const results: RunResult[] = [];
    for (let run = 1; run <= runs; run++) {
      const result = await oneRun(browser, server.url);
      console.log(`run ${run}: first page ${result.firstPageMs} ms, all loaded ${(result.allLoadedMs / 1000).toFixed(1)} s, frames p50 ${result.frameP50.toFixed(1)} ms, p99 ${result.frameP99.toFixed(1)} ms`);
      results.push(result);
    }
    const m = (pick: (r: RunResult) => number) => median(results.map(pick));
    const rows = [
      ['measure', 'median'],
      ['JavaScript of the first screen, gzipped', `${(await firstScreenKb()).toFixed(1)} KB`],
      ['chat opened → newest messages shown', `${Math.round(m((r) => r.firstPageMs))} ms`],
      [`scrolling up until all ${formatCount(messageCount)} messages are loaded (${Math.ceil(messageCount / 100)} pages)`, `${(m((r) => r.allLoadedMs) / 1000).toFixed(1)} s`],
      ['message rows in the page once all are loaded', formatCount(Math.round(m((r) => r.rowsInPage)))],
      ['frames measured while flicking through them (100 px a frame, in the middle and at the oldest end)', formatCount(Math.round(m((r) => r.frames)))],
      ['frame time p50 / p95 / p99', `${m((r) => r.frameP50).toFixed(1)} / ${m((r) => r.frameP95).toFixed(1)} / ${m((r) => r.frameP99).toFixed(1)} ms`],
      ['frames slower than 33 ms', `${(m((r) => r.slowShare) * 100).toFixed(1)} %`],
      ['JavaScript heap with every message loaded', `${m((r) => r.heapMb).toFixed(0)} MB`],
    ];
    const curve = [
      ['messages loaded', ...results[0]!.thousands.map((_, i) => formatCount((i + 1) * 1000))],
      ['seconds since loading began', ...results[0]!.thousands.map((_, i) => (m((r) => r.thousands[i] ?? 0) / 1000).toFixed(1))],
    ];
    const section = `## Web client: a long chat in Chromium (npm run bench:web)

_Generated by \`bench/web.ts\`; this section is rewritten on every run._

- **Date:** ${started.toISOString().replace(/\.\d+Z$/, 'Z')}
- **Machine:** ${machineLine(describeMachine())}; Debian's Chromium, headless, no GPU, 1280 × 800
- **Storage:** ${environment.storage.engine}, Redis ${environment.storage.redis ? 'yes' : 'no'}
- **Data:** two friends and a direct chat of ${formatCount(messageCount)} messages of 3 to 42 words, written through the API
- **Command:** \`${commandLine('bench:web')}\`

The reader signs in through the page and opens the chat; then the view is scrolled to the top again
and again, each time loading the page of 100 before (as a person pulling the history up does), until
every message is loaded; then it flicks through them, 100 px per animation frame, 300 frames up and
300 down from the middle of the history and again at its oldest end, recording each frame's time.
The list is windowed (TanStack Virtual, anchored at the end): only the rows near the viewport are
in the page, however long the chat. The browser shares the two CPUs with the server. Median of
${runs} run(s).

${markdownTable(rows, ['l', 'r'])}

Loading the history page by page:

${markdownTable(curve, ['l', ...curve[0]!.slice(1).map(() => 'r' as const)])}
${
      m((r) => r.slowShare) > 0.05
        ? `\nScrolling is not smooth on this machine (${(m((r) => r.slowShare) * 100).toFixed(0)} % of frames over 33 ms): the goal of a ${formatCount(messageCount)}-message chat that scrolls smoothly is not met.\n`
        : ''
    }`;
    await writeSection('web', section);
    console.log('wrote docs/BENCHMARKS.md (section web)');
  } finally {
    await cleanup();
  }
}

await main();
