import { spawn, type ChildProcess, type Serializable, type StdioOptions } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs an npm script in the project and resolves when it succeeds; its output goes to ours. */
export function runNpmScript(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: projectRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`npm run ${script} failed (${String(code ?? signal)})`)),
    );
  });
}

/**
 * A TCP port nobody listens on right now. The server could be told PORT=0, but then its port would
 * have to be read from its logs, which the benchmark keeps at warn; asking the kernel here is simpler.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the free port'))));
    });
  });
}

/**
 * Starts `node [nodeArgs] script [args]`. With `raiseFileLimit`, it goes through bash, which raises
 * the soft limit on open files to the hard one first: a process holding thousands of sockets
 * needs it, and Node cannot raise its own limit.
 */
export function spawnNode(
  script: string,
  options: {
    args?: readonly string[];
    nodeArgs?: readonly string[];
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    stdio?: StdioOptions;
    serialization?: 'json' | 'advanced';
    raiseFileLimit?: boolean;
  } = {},
): ChildProcess {
  const argv = [...(options.nodeArgs ?? []), script, ...(options.args ?? [])];
  const spawnOptions = { cwd: options.cwd ?? projectRoot, env: options.env, stdio: options.stdio, serialization: options.serialization };
  if (!options.raiseFileLimit) return spawn(process.execPath, argv, spawnOptions);
  // exec keeps the process id, so the caller's child.pid is the Node process itself.
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', process.execPath, ...argv], spawnOptions);
}

/**
 * Node arguments that load TypeScript files through tsx (bench scripts run from source). Resolved
 * here because a child may run in another directory, where `--import tsx` would not find it.
 */
export const TSX_NODE_ARGS: readonly string[] = ['--import', import.meta.resolve('tsx')];

/** Sends one IPC message and resolves once it is handed to the channel. */
export function sendToChild(child: ChildProcess, message: Serializable): Promise<void> {
  return new Promise((resolve, reject) => {
    child.send(message, (error) => (error ? reject(error) : resolve()));
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** The last part of the server's stdout and stderr, for error messages. */
  output(): string;
  /** Sends SIGTERM (the graceful path), then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

const OUTPUT_KEPT = 20_000;

/**
 * Starts the built server (`node dist/main.js`, as `npm start` does) with exactly `env` (plus PATH)
 * and waits until GET /ready answers 200. `cwd` is where it runs: not the project, so that a
 * developer's `.env` cannot change what is measured.
 */
export async function startBuiltServer(options: {
  env: Record<string, string>;
  cwd: string;
  host: string;
  port: number;
  readyTimeoutMs?: number;
  /** Another server to start the same way (it must answer GET /ready); the built app by default. */
  script?: string;
  nodeArgs?: readonly string[];
  raiseFileLimit?: boolean;
}): Promise<ServerProcess> {
  const child = spawnNode(options.script ?? path.join(projectRoot, 'dist/main.js'), {
    nodeArgs: options.nodeArgs,
    raiseFileLimit: options.raiseFileLimit,
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env, HOST: options.host, PORT: String(options.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const stop = async (graceMs = 15_000): Promise<number | string> => {
    if (hasExited) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const url = `http://${options.host}:${options.port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) throw new Error(`server exited (${String(await exited)}) before it was ready:\n${output}`);
    try {
      const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop(2000);
      throw new Error(`server was not ready in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, output: () => output, stop };
}

/**
 * `work` made to run once, whether called at the end or on Ctrl-C / SIGTERM (which then exit with
 * 130): an interrupted benchmark must not leave servers, a temp directory or a schema behind.
 */
export function cleanupOnExit(work: () => Promise<void>): () => Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanup = () => (cleaning ??= work());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping and cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  return cleanup;
}

/** Stops a benchmarked server, showing its output when it did not exit cleanly. */
export async function stopServer(server: ServerProcess): Promise<void> {
  const exit = await server.stop();
  if (exit !== 0) console.error(`server exited with ${String(exit)} after SIGTERM:\n${server.output()}`);
}
