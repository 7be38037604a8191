import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, usesPostgres, type TestEnvironment } from '../helpers/environment.js';
import { spawnEntry, startServerProcess } from '../helpers/process.js';

const environments: TestEnvironment[] = [];
afterEach(async () => {
  while (environments.length) await environments.pop()?.cleanup();
});
async function environment(overrides: Record<string, string> = {}) {
  const env = await createTestEnvironment(overrides);
  environments.push(env);
  return env;
}

describe('server process', () => {
  it('starts on a fresh DATA_DIR, creating the database and applying migrations', async () => {
    const env = await environment();
    const dataDir = path.join(env.dataDir, 'nested', 'data');
    const server = await startServerProcess('src/main.ts', { ...env.env, DATA_DIR: dataDir });
    try {
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      if (!usesPostgres) expect(fs.existsSync(path.join(dataDir, 'app.db'))).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('stops with one line naming the variable when the configuration is wrong', async () => {
    const env = await environment();
    const started = spawnEntry('src/main.ts', { ...env.env, PORT: 'eighty' });
    expect(await started.exited).toBe(1);
    const lines = started.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('Invalid configuration: PORT: expected an integer from 0 to 65535, got "eighty"');
  });

  it('does not echo a database URL, which may hold a password, in the error', async () => {
    const env = await environment();
    const started = spawnEntry('src/main.ts', { ...env.env, DATABASE_URL: 'mysql://user:s3cret@db/app' });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('DATABASE_URL: expected a postgres:// or postgresql:// URL');
    expect(started.output()).not.toContain('s3cret');
  });

  it('on SIGTERM stops accepting, finishes the request in flight, closes the database and exits 0', async () => {
    const env = await environment();
    const server = await startServerProcess('test/fixtures/slow-server.ts', env.env);
    const inFlight = fetch(`${server.url}/test/slow?ms=1500`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));

    // New connections are refused while the old request is still being served.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true, ms: 1500 });

    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('shutting down');
    // SQLite removes its write-ahead log only when the last connection closes cleanly.
    if (!usesPostgres) {
      expect(fs.existsSync(path.join(env.dataDir, 'app.db'))).toBe(true);
      expect(fs.existsSync(path.join(env.dataDir, 'app.db-wal'))).toBe(false);
    }
  });

  it('shuts down the same way on SIGINT', async () => {
    const env = await environment();
    const server = await startServerProcess('src/main.ts', env.env);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });
});

describe('npm run migrate', () => {
  it('applies migrations without starting the server, and is idempotent', async () => {
    const env = await environment();
    const first = spawnEntry('src/migrate.ts', env.env);
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/applied \d+ migration|database is up to date/);
    const second = spawnEntry('src/migrate.ts', env.env);
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('database is up to date');
  });
});
