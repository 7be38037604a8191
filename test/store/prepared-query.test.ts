import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.js';

describe('prepared queries', () => {
  let environment: TestEnvironment;
  let handle: DatabaseHandle;
  const ids: number[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment();
    const config = loadConfig(environment.env);
    handle = openDatabase(config);
    await migrateToLatest(handle, config.database.schema);
    for (const name of ['ada', 'bob', 'cyd', 'dee']) {
      const row = await handle.db
        .insertInto('users')
        .values({ username: name, username_key: name, email: `${name}@example.com`, password_hash: 'x', first_name: name, last_name: '', first_name_key: name, last_name_key: '', bio: '', created_at: 1, updated_at: 1 })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(Number(row.id));
    }
  });

  afterAll(async () => {
    await handle?.close();
    await environment?.cleanup();
  });

  it('is built once and answers each run with its own values, a value used twice in both places', async () => {
    let builds = 0;
    const between = preparedQuery<{ low: number; high: number; limit: number }, { username: string }>(
      () => handle.db,
      (slot) => {
        builds++;
        return handle.db
          .selectFrom('users')
          .select('username')
          .where('id', '>=', slot('low'))
          .where('id', '<=', slot('high'))
          // The same slot again, inside raw SQL: both places get the value.
          .where(sql<boolean>`${sql.ref('id')} >= ${slot('low')}`)
          .where('username', '!=', 'nobody')
          .orderBy('id')
          .limit(slot('limit'));
      },
    );
    expect((await between({ low: ids[0]!, high: ids[3]!, limit: 10 })).map((r) => r.username)).toEqual(['ada', 'bob', 'cyd', 'dee']);
    expect((await between({ low: ids[1]!, high: ids[2]!, limit: 10 })).map((r) => r.username)).toEqual(['bob', 'cyd']);
    expect((await between({ low: ids[1]!, high: ids[3]!, limit: 1 })).map((r) => r.username)).toEqual(['bob']);
    // Runs at once do not see each other's values.
    const [first, second] = await Promise.all([between({ low: ids[0]!, high: ids[0]!, limit: 5 }), between({ low: ids[3]!, high: ids[3]!, limit: 5 })]);
    expect([first.map((r) => r.username), second.map((r) => r.username)]).toEqual([['ada'], ['dee']]);
    expect(builds).toBe(1);
  });

  it('takes a hostile string as a value, never as SQL', async () => {
    const byName = preparedQuery<{ name: string }, { id: number }>(
      () => handle.db,
      (slot) => handle.db.selectFrom('users').select('id').where('username', '=', slot('name')),
    );
    expect(await byName({ name: "ada' or '1'='1" })).toEqual([]);
    expect((await byName({ name: 'ada' })).map((r) => Number(r.id))).toEqual([ids[0]]);
  });
});
