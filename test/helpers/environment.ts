import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A fresh place for one server to keep its state: a temp DATA_DIR (SQLite, files), and when the
 * suite runs on PostgreSQL a new schema in DATABASE_URL's database; with Redis, a key prefix of its
 * own. `cleanup` removes it all.
 */
export interface TestEnvironment {
  env: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

export const usesPostgres = Boolean(process.env.DATABASE_URL);
export const usesRedis = Boolean(process.env.REDIS_URL);

export async function createTestEnvironment(overrides: Record<string, string> = {}): Promise<TestEnvironment> {
  const id = randomBytes(6).toString('hex');
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-test-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `test-${id}:`,
    // Cheap hashing keeps the suite fast; the production cost is measured in the benchmark.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Limits stay on, high enough for a test file's traffic from one address; rate-limit tests set their own.
    RATE_LIMIT_LOGIN_PER_IP: '10000/1m',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: '1000/1m',
    RATE_LIMIT_REGISTER: '10000/1m',
    RATE_LIMIT_PASSWORD_FORGOT: '10000/1m',
    RATE_LIMIT_VERIFY_RESEND: '10000/1m',
    RATE_LIMIT_AVAILABILITY: '10000/1m',
    RATE_LIMIT_CODE_CHECK: '10000/1m',
    RATE_LIMIT_TWO_FACTOR: '10000/1m',
    RATE_LIMIT_TWO_FACTOR_SEND: '10000/1m',
    RATE_LIMIT_OAUTH_START: '10000/1m',
    RATE_LIMIT_FILES: '10000/1m',
  };
  let schema: string | undefined;
  if (process.env.DATABASE_URL) {
    schema = `t_${id}`;
    await adminQuery(`create schema ${schema}`);
    Object.assign(env, { DATABASE_URL: process.env.DATABASE_URL, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '4' });
  }
  if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
  Object.assign(env, overrides);
  return {
    env,
    dataDir,
    cleanup: async () => {
      if (schema) await adminQuery(`drop schema if exists ${schema} cascade`);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs one statement on the suite's PostgreSQL database, outside any app. */
export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}
