import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTestEnvironment, usesPostgres, type TestEnvironment } from '../helpers/environment.js';
import { waitUntil } from '../helpers/wait.js';

const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

// The write-ahead log is SQLite's; PostgreSQL runs its own checkpoints.
describe.skipIf(usesPostgres)('SQLite checkpoints', () => {
  let environment: TestEnvironment | undefined;
  let handle: DatabaseHandle | undefined;

  afterEach(async () => {
    await handle?.close();
    await environment?.cleanup();
    handle = environment = undefined;
  });

  it('copies written pages into the database file while the server runs, and leaves no log behind when it closes', async () => {
    environment = await createTestEnvironment();
    const config = loadConfig(environment.env);
    handle = openDatabase(config);
    await migrateToLatest(handle, config.database.schema);
    const file = path.join(environment.dataDir, 'app.db');
    const before = size(file);

    // About 4 MiB of rows: far past a checkpoint's worth of pages.
    const bio = 'x'.repeat(2000);
    await handle.db.transaction().execute(async (tx) => {
      for (let i = 0; i < 2000; i++) {
        const name = `user${i}`;
        await tx
          .insertInto('users')
          .values({ username: name, username_key: name, email: `${name}@example.com`, password_hash: 'x', first_name: name, last_name: '', bio, created_at: 1, updated_at: 1 })
          .execute();
      }
    });
    // The write did not wait for the pages to be copied into the database file (SQLite's own
    // checkpoint would have run inside it, on the event loop)…
    expect(size(`${file}-wal`)).toBeGreaterThan(4_000_000);
    expect(size(file)).toBeLessThan(before + 1_000_000);
    // …the thread beside the server copies them soon after.
    await waitUntil(() => size(file) > before + 4_000_000, 'the checkpoint', 5000);

    await handle.close();
    handle = undefined;
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    // Nothing was lost on the way.
    const reopened = openDatabase(config);
    try {
      const { count } = await reopened.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
      expect(Number(count)).toBe(2000);
    } finally {
      await reopened.close();
    }
  });
});
