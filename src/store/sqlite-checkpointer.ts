import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies SQLite's write-ahead log back into the database file from a thread of its own. Left to
 * itself, SQLite checkpoints inside whichever write crosses 1,000 WAL pages, and better-sqlite3
 * runs that write on the event loop: every few hundred updated rows one request waited 10 to 40 ms
 * for the copy and its fsync, and every request queued behind it too. A PASSIVE checkpoint on a
 * second connection takes no lock that the server's reads or writes wait for.
 *
 * The worker is plain JavaScript given as text, so that it runs the same from the built server and
 * from the TypeScript sources in tests; it loads better-sqlite3 from where this module found it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Checkpoints once more and closes the worker's connection (before the server's own closes, so that the last one to close removes the WAL). */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` every `intervalMs`. `onFailure` is told when the worker cannot run or
 * dies (the caller then turns SQLite's own checkpoints back on) or when one checkpoint fails.
 */
export function startCheckpointer(file: string, intervalMs: number, onFailure: (reason: string, fatal: boolean) => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message: { error?: string }) => onFailure(message.error ?? 'unknown', false));
  worker.on('error', (error) => onFailure(error.message, true));
  void exited.then(() => {
    if (!stopping) onFailure('the checkpoint worker exited', true);
  });
  // A checkpointer alone must not keep the process alive.
  worker.unref();
  return {
    stop: async () => {
      if (stopping) return exited;
      stopping = true;
      // Waiting for it must keep the process alive until it is done.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
