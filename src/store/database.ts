import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { DatabaseStats } from '../adapters/metrics.js';
import type { Config } from '../config.js';
import type { MessageWriter } from './message-writer.js';
import { PostgresMessageWriter } from './postgres-message-writer.js';
import { statementNameOf } from './prepared-query.js';
import type { Database } from './schema.js';
import { SqliteMessageWriter } from './sqlite-message-writer.js';
import { SqliteSyncLogWriter } from './sqlite-sync-log-writer.js';
import { PostgresSyncLogWriter } from './postgres-sync-log-writer.js';
import type { SyncLogWriter } from './sync-log-writer.js';
import { startCheckpointer } from './sqlite-checkpointer.js';

const CHECKPOINT_INTERVAL_MS = 1000;

export type Engine = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /** Stores messages the fastest way this engine allows. */
  messageWriter: MessageWriter;
  /** Appends to the sync log the fastest way this engine allows, in position order. */
  syncLogWriter: SyncLogWriter;
  /** Where the data is, for the start-up line: the SQLite file, or PostgreSQL's host, port, database and schema (never the credentials). */
  location: string;
  /** Statements run so far, and PostgreSQL's pool; read at each metrics scrape. */
  stats(): DatabaseStats;
  /** A cheap round trip, for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL `bigint` (OID 20) arrives as a string by default; our ids and times fit a JS number. */
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

export function openDatabase(config: Pick<Config, 'dataDir' | 'database'>): DatabaseHandle {
  return config.database.url ? openPostgres(config.database) : openSqlite(config.dataDir);
}

function openSqlite(dataDir: string): DatabaseHandle {
  fs.mkdirSync(dataDir, { recursive: true });
  const filePath = path.join(dataDir, 'app.db');
  const file = new SQLite(filePath);
  file.pragma('journal_mode = WAL');
  file.pragma('busy_timeout = 5000');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  // 64 MiB of pages (the default is 2 MiB): feeds and view counts touch rows all over the posts table.
  file.pragma('cache_size = -65536');
  // Checkpoints run on a thread of their own (see sqlite-checkpointer.ts); SQLite's own come back if it fails.
  file.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(filePath, CHECKPOINT_INTERVAL_MS, (_reason, fatal) => {
    if (fatal && file.open) file.pragma('wal_autocheckpoint = 1000');
  });
  // Kysely prepares every query anew; preparing costs more than running a small query, so keep
  // the prepared statements by SQL text (SQLite re-prepares them itself after a schema change).
  const statements = new LRUCache<string, SQLite.Statement>({ max: 1000 });
  // Kysely asks for a statement each time it runs one, so this counts the statements it runs (the
  // message writer's own prepared batch, outside Kysely, is not counted).
  let queries = 0;
  const database = {
    close: () => file.close(),
    prepare: (text: string) => {
      queries += 1;
      let statement = statements.get(text);
      if (!statement) {
        statement = file.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    engine: 'sqlite',
    messageWriter: new SqliteMessageWriter(db, file),
    syncLogWriter: new SqliteSyncLogWriter(db, file),
    location: `SQLite ${filePath}`,
    stats: () => ({ engine: 'sqlite', queries }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // Kysely's destroy closes the better-sqlite3 handle, which checkpoints and removes the WAL
    // (when it is the last connection: the checkpointer's closes first).
    close: async () => {
      await checkpointer.stop();
      await db.destroy();
    },
  };
}

function openPostgres(options: Config['database']): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    options: `-c search_path=${options.schema}`,
    application_name: 'messenger',
    connectionTimeoutMillis: 5000,
    types: pgTypes,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const counted = { queries: 0 };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPreparedQueries(pool, counted) }) });
  return {
    db,
    engine: 'postgres',
    messageWriter: new PostgresMessageWriter(db),
    syncLogWriter: new PostgresSyncLogWriter(db),
    location: describePostgres(options),
    stats: () => ({
      engine: 'postgres',
      queries: counted.queries,
      pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** `PostgreSQL host:port/database (schema s)`: where, without the user name or password. */
function describePostgres(options: Config['database']): string {
  try {
    const url = new URL(options.url ?? '');
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(the user\'s default database)';
    return `PostgreSQL ${url.host || 'localhost'}/${database} (schema ${options.schema})`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * The pool as Kysely sees it, with two changes: SQL that preparedQuery made goes as a named
 * statement, which each connection parses and plans once; and each statement is counted.
 */
function namingPreparedQueries(pool: pg.Pool, counted: { queries: number }): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      return {
        query: ((text: unknown, values?: readonly unknown[]) => {
          counted.queries += 1;
          const name = typeof text === 'string' ? statementNameOf(text) : undefined;
          return name ? query({ name, text, values }) : query(text, values);
        }) as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run on an untyped Kysely
export function engineOf(db: Kysely<any>): Engine {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
