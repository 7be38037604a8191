import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { SyncEntry, SyncLogWriter } from './sync-log-writer.js';

/**
 * The sync log on PostgreSQL: a batch is one statement inside a short transaction. The statement
 * takes its positions by updating the one counter row, whose lock it then holds until commit, so
 * positions are handed out in commit order: a reader that sees position n sees every smaller one,
 * and no event can commit behind a token already given out.
 */
export class PostgresSyncLogWriter implements SyncLogWriter {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entries: readonly SyncEntry[], now: number, deliver: (first: number) => Promise<void>): Promise<void> {
    const payloads = entries.map((e) => e.payload);
    const users: number[] = [];
    const offsets: number[] = [];
    entries.forEach((entry, i) => {
      for (const userId of entry.to) {
        users.push(userId);
        offsets.push(i);
      }
    });
    await this.db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ first: number }>`
        with taken as (
          update sync_state set head = head + ${entries.length} where id = 1
          returning head - ${entries.length} + 1 as first
        ), events as (
          insert into sync_events (id, payload, created_at)
          select taken.first + t.ordinality - 1, t.payload, ${now}
          from taken, unnest(${payloads}::text[]) with ordinality as t(payload, ordinality)
        ), inbox as (
          insert into sync_inbox (user_id, event_id)
          select r.user_id, taken.first + r.offset_in_batch
          from taken, unnest(${users}::bigint[], ${offsets}::int[]) as r(user_id, offset_in_batch)
          on conflict do nothing
        )
        select first from taken`.execute(tx);
      await deliver(Number(rows[0]!.first));
    });
  }
}
