import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './server.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Runs a TypeScript entry in its own Node process, as `npm start` would run the built one. */
export function spawnEntry(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => output, exited };
}

/** Starts a server process and waits for its "listening" log line (so at least at `info`) to learn its URL. */
export async function startServerProcess(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
  logLevel: 'info' | 'debug' | 'trace' = 'info',
): Promise<ServerProcess> {
  const started = spawnEntry(entry, { ...env, LOG_LEVEL: logLevel });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output());
    if (match?.[1]) return { ...started, url: match[1] };
    const exitedEarly = await Promise.race([started.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (exitedEarly !== undefined) throw new Error(`server exited (${String(exitedEarly)}) before listening:\n${started.output()}`);
    if (Date.now() > deadline) {
      started.child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${started.output()}`);
    }
  }
}

/** Enough of TestServer for the account, chat and socket helpers: a base URL and a request function. */
export const asTestServer = (node: ServerProcess) =>
  ({
    url: node.url,
    request: (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(node.url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
  }) as unknown as TestServer;
