import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { LoadResult } from './load.js';

/**
 * A constant-rate ("open-loop") load: request i is due at start + i / rate, whatever the answers
 * before it did, and its latency runs from when it was due, not from when a connection was free
 * (so a server that stalls is charged for every request it made wait: no coordinated omission,
 * as in wrk2). Arrivals are evenly spaced rather than bunched at the start of each second, which
 * is how autocannon's `overallRate` paces them. Runs in a worker thread of its own, so another
 * load in this process does not delay its clock.
 */
export interface OpenLoopRequest {
  method: 'GET';
  path: string;
  headers?: Record<string, string>;
}

export interface OpenLoopOptions {
  /** The server's origin, e.g. http://127.0.0.1:8000. */
  url: string;
  /** Cycled through in order. */
  requests: readonly OpenLoopRequest[];
  ratePerSecond: number;
  connections: number;
  durationSeconds: number;
  /** Load applied first and not measured. */
  warmupSeconds?: number;
}

interface WorkerAnswer {
  latenciesMs: number[];
  non2xx: number;
  errors: number;
  secondsMeasured: number;
}

/** Requests still waiting for a connection beyond this mean the server cannot keep up: stop. */
const MAX_BACKLOG_SECONDS = 5;

export async function measureOpenLoop(name: string, options: OpenLoopOptions): Promise<LoadResult> {
  // The worker runs this very file, loaded through tsx (a worker does not inherit the loader).
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(bootstrap, { eval: true, workerData: options });
  const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${name}: the load worker exited (${code}) without an answer`)));
  });
  await worker.terminate();
  const { latenciesMs, non2xx, errors, secondsMeasured } = answer;
  if (non2xx > 0 || errors > 0 || latenciesMs.length === 0) {
    throw new Error(`${name}: ${non2xx} non-2xx responses and ${errors} errors of ${latenciesMs.length + non2xx + errors} requests`);
  }
  const sorted = Float64Array.from(latenciesMs).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const perSecond = latenciesMs.length / secondsMeasured;
  return {
    requestsPerSecondMean: perSecond,
    requestsPerSecondMedian: perSecond,
    latencyP50Ms: at(0.5),
    latencyP99Ms: at(0.99),
    total: latenciesMs.length,
    non2xx,
    errors,
    timeouts: 0,
    durationSeconds: secondsMeasured,
  };
}

async function runInWorker(options: OpenLoopOptions): Promise<WorkerAnswer> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const intervalMs = 1000 / options.ratePerSecond;
  const warmupMs = (options.warmupSeconds ?? 0) * 1000;
  const totalMs = warmupMs + options.durationSeconds * 1000;
  const answer: WorkerAnswer = { latenciesMs: [], non2xx: 0, errors: 0, secondsMeasured: options.durationSeconds };
  const start = performance.now();
  let sent = 0;
  let inFlight = 0;

  const send = (index: number, dueAt: number) => {
    const request = options.requests[index % options.requests.length]!;
    inFlight++;
    const done = (ok: boolean | 'error') => {
      inFlight--;
      if (dueAt - start < warmupMs) return;
      if (ok === 'error') answer.errors++;
      else if (!ok) answer.non2xx++;
      else answer.latenciesMs.push(performance.now() - dueAt);
    };
    const outgoing = http.request({ agent, hostname: target.hostname, port: target.port, path: request.path, method: request.method, headers: request.headers }, (response) => {
      const ok = response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300;
      response.on('end', () => done(ok));
      response.on('error', () => done('error'));
      response.resume();
    });
    outgoing.on('error', () => done('error'));
    outgoing.end();
  };

  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const now = performance.now();
      const elapsed = now - start;
      const due = Math.min(Math.floor(elapsed / intervalMs) + 1, Math.ceil(totalMs / intervalMs));
      while (sent < due) send(sent, start + sent++ * intervalMs);
      if (inFlight > options.ratePerSecond * MAX_BACKLOG_SECONDS) return reject(new Error(`more than ${MAX_BACKLOG_SECONDS} s of requests waiting: the server cannot keep up`));
      if (elapsed < totalMs) return void setTimeout(tick, Math.max(0, Math.min(1, intervalMs - (elapsed % intervalMs))));
      const drain = () => (inFlight === 0 ? resolve() : void setTimeout(drain, 5));
      drain();
    };
    tick();
  });
  agent.destroy();
  return answer;
}

if (!isMainThread && parentPort && (workerData as { requests?: unknown } | undefined)?.requests) {
  const port = parentPort;
  runInWorker(workerData as OpenLoopOptions).then(
    (answer) => port.postMessage(answer),
    (error: unknown) => {
      throw error;
    },
  );
}
