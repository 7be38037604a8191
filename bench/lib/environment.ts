import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Where one benchmarked server keeps its state: always a fresh temp directory (DATA_DIR, and the
 * server's working directory), holding the SQLite database unless DATABASE_URL is set, in which
 * case a fresh PostgreSQL schema. REDIS_URL is passed through, with a key prefix of its own.
 */
export interface BenchEnvironment {
  env: Record<string, string>;
  dataDir: string;
  storage: { engine: 'SQLite' | 'PostgreSQL'; redis: boolean };
  cleanup(): Promise<void>;
}

/** Random letters and digits, e.g. for AUTH_SECRET. */
export function randomText(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** `embedded` ignores DATABASE_URL and REDIS_URL: SQLite and nothing else, whatever is configured. */
export async function createBenchEnvironment(settings: Record<string, string>, options: { embedded?: boolean } = {}): Promise<BenchEnvironment> {
  const id = randomBytes(6).toString('hex');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-bench-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, ...settings };
  const databaseUrl = options.embedded ? undefined : process.env.DATABASE_URL;
  const redisUrl = options.embedded ? undefined : process.env.REDIS_URL;
  let schema: string | undefined;
  try {
    if (databaseUrl) {
      schema = `bench_${id}`;
      await adminQuery(databaseUrl, `create schema ${schema}`);
      Object.assign(env, { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema });
    }
  } catch (error) {
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  if (redisUrl) Object.assign(env, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `bench-${id}:` });
  return {
    env,
    dataDir,
    storage: { engine: databaseUrl ? 'PostgreSQL' : 'SQLite', redis: Boolean(redisUrl) },
    cleanup: async () => {
      try {
        if (databaseUrl && schema) await adminQuery(databaseUrl, `drop schema if exists ${schema} cascade`);
      } finally {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

async function adminQuery(connectionString: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
