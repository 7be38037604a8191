import fs from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';

/** `npm run migrate`: applies pending migrations to the configured database and exits. */
if (fs.existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig();
  const database = openDatabase(config);
  try {
    const applied = await migrateToLatest(database, config.database.schema);
    process.stdout.write(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await database.close();
  }
} catch (error) {
  const prefix = error instanceof ConfigError ? 'Invalid configuration' : 'Migration failed';
  process.stderr.write(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
