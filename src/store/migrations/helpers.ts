import type { CreateTableBuilder } from 'kysely';
import type { Engine } from '../database.js';

/**
 * The integer primary key every table has: SQLite's rowid alias, PostgreSQL's identity column.
 * Foreign keys to it are `bigint` on both engines.
 */
export function addId<T extends string>(table: CreateTableBuilder<T, never>, engine: Engine): CreateTableBuilder<T, 'id'> {
  return engine === 'postgres'
    ? table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}
