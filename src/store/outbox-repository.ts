import type { Kysely } from 'kysely';
import type { MailMessage } from '../adapters/mail/mailer.js';
import type { Database } from './schema.js';

/** One mail in the development outbox. */
export interface OutboxRow {
  id: number;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

/** The development outbox: mail that would have been sent when no SMTP server is configured. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores one mail; resolves with its id. */
  async add(message: MailMessage, createdAt: number): Promise<number> {
    // RETURNING works on PostgreSQL and on the SQLite that better-sqlite3 bundles (3.35+).
    const row = await this.db
      .insertInto('dev_outbox')
      .values({
        recipient: message.to,
        subject: message.subject,
        text_body: message.text,
        html_body: message.html ?? null,
        created_at: createdAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Newest first; `beforeId` continues a listing after the last id already seen. */
  async list(options: { limit: number; beforeId?: number }): Promise<OutboxRow[]> {
    let query = this.db.selectFrom('dev_outbox').selectAll().orderBy('id', 'desc').limit(options.limit);
    if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      to: row.recipient,
      subject: row.subject,
      text: row.text_body,
      html: row.html_body,
      createdAt: Number(row.created_at),
    }));
  }
}
