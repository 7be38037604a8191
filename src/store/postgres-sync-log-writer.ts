import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { audienceCache, audienceKey, type SyncEntry, type SyncLogWriter } from './sync-log-writer.js';

/**
 * The sync log on PostgreSQL: a batch is a short transaction whose first statement takes its
 * positions by updating the one counter row, whose lock it then holds until commit, so positions
 * are handed out in commit order: a reader that sees position n sees every smaller one, and no
 * event can commit behind a token already given out. Audiences this node knows cost no statement;
 * with all of them known (the usual case), the batch is one statement.
 */
export class PostgresSyncLogWriter implements SyncLogWriter {
  private readonly audiences = audienceCache();

  constructor(private readonly db: Kysely<Database>) {}

  async append(entries: readonly SyncEntry[], now: number, deliver: (first: number) => Promise<void>): Promise<void> {
    const keys = entries.map((e) => audienceKey(e.to));
    const payloads = entries.map((e) => e.payload);
    const missing = [...new Set(keys.filter((k) => !this.audiences.has(k)))];
    const met = await this.db.transaction().execute(async (tx) => {
      let met = new Map<string, number>();
      let first: number;
      if (missing.length === 0) {
        const ids = keys.map((k) => this.audiences.get(k)!);
        const { rows } = await sql<{ first: number }>`
          with taken as (
            update sync_state set head = head + ${entries.length} where id = 1
            returning head - ${entries.length} + 1 as first
          ), events as (
            insert into sync_events (id, audience_id, payload, created_at)
            select taken.first + t.ordinality - 1, t.audience_id, t.payload, ${now}
            from taken, unnest(${ids}::bigint[], ${payloads}::text[]) with ordinality as t(audience_id, payload, ordinality)
          )
          select first from taken`.execute(tx);
        first = Number(rows[0]!.first);
      } else {
        const { rows } = await sql<{ first: number }>`update sync_state set head = head + ${entries.length} where id = 1 returning head - ${entries.length} + 1 as first`.execute(tx);
        first = Number(rows[0]!.first);
        met = await this.resolve(tx, missing);
        const ids = keys.map((k) => this.audiences.get(k) ?? met.get(k)!);
        await sql`
          insert into sync_events (id, audience_id, payload, created_at)
          select ${first} + t.ordinality - 1, t.audience_id, t.payload, ${now}
          from unnest(${ids}::bigint[], ${payloads}::text[]) with ordinality as t(audience_id, payload, ordinality)`.execute(tx);
      }
      await deliver(first);
      return met;
    });
    // Only once committed: a rolled-back id is never reused.
    for (const [key, id] of met) this.audiences.set(key, id);
  }

  /** The ids of these audiences, made (with their members) where they do not exist yet. */
  private async resolve(tx: Transaction<Database>, keys: string[]): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    const created = await sql<{ id: number; members_key: string }>`
      insert into sync_audiences (members_key) select unnest(${keys}::text[])
      on conflict (members_key) do nothing
      returning id, members_key`.execute(tx);
    const users: number[] = [];
    const audiences: number[] = [];
    for (const { id, members_key: key } of created.rows) {
      ids.set(key, Number(id));
      for (const userId of key.split(',')) {
        users.push(Number(userId));
        audiences.push(Number(id));
      }
    }
    if (users.length > 0) {
      await sql`insert into sync_audience_members (user_id, audience_id) select * from unnest(${users}::bigint[], ${audiences}::bigint[])`.execute(tx);
    }
    const known = keys.filter((k) => !ids.has(k));
    if (known.length > 0) {
      const { rows } = await sql<{ id: number; members_key: string }>`select id, members_key from sync_audiences where members_key = any(${known}::text[])`.execute(tx);
      for (const row of rows) ids.set(row.members_key, Number(row.id));
    }
    return ids;
  }
}
