import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { engineOf } from './database.js';
import type { Database } from './schema.js';
import { nameKey } from './users-repository.js';

/** A user as others see them in lists: no e-mail, nothing private. */
export interface PersonRecord {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  bio: string;
  avatarKey: string | null;
  lastSeenAt: number | null;
}

export const personColumns = [
  'users.id as id',
  'users.username as username',
  'users.first_name as firstName',
  'users.last_name as lastName',
  'users.bio as bio',
  'users.avatar_key as avatarKey',
  'users.last_seen_at as lastSeenAt',
] as const;

type KeyColumn = 'users.username_key' | 'users.first_name_key' | 'users.last_name_key';

/**
 * One band of results, searched through one index range: all of a band's matches come before the
 * next band's, which is how prefix matches on the username come before matches on a name.
 */
interface Band {
  column: KeyColumn;
  prefix: string;
  /** Further conditions on the rows of this band. */
  also: (ref: (column: KeyColumn) => RawBuilder<string>) => Array<RawBuilder<SqlBool>>;
}

/** Where the previous page ended: its band, and the sort key and id of its last row. */
export interface DirectoryCursor {
  band: number;
  key: string;
  id: number;
}

export interface SearchPage {
  people: Array<PersonRecord & { cursor: DirectoryCursor }>;
}

/**
 * Case-insensitive prefix search over usernames and names, each band read in order through an
 * index on the lower-cased key (see migration 0003), so a page costs a few index range scans
 * however many users there are. Keys compare in code-point order on both engines: `prefix ≤ key <
 * prefix⁺`, where prefix⁺ is the prefix with its last character incremented.
 */
export class UserDirectory {
  private readonly postgres: boolean;

  constructor(private readonly db: Kysely<Database>) {
    this.postgres = engineOf(db) === 'postgres';
  }

  /** The user with this username key (usernames match case-insensitively). */
  byUsernameKey(key: string): Promise<PersonRecord | undefined> {
    return this.db.selectFrom('users').select(personColumns).where('users.username_key', '=', key).executeTakeFirst();
  }

  async byIds(ids: number[]): Promise<Map<number, PersonRecord>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').select(personColumns).where('users.id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * Users matching `query`, without `viewerId`'s blocks either way: first usernames starting with
   * it (the exact name first), then first names, then last names. Two or more words match a first
   * and last name ("ada lov"), in either order.
   */
  async search(viewerId: number, query: string, page: { after?: DirectoryCursor; limit: number }): Promise<SearchPage> {
    const bands = this.bands(query);
    const people: SearchPage['people'] = [];
    for (let band = page.after?.band ?? 0; band < bands.length && people.length < page.limit; band++) {
      const after = page.after?.band === band ? page.after : undefined;
      const rows = await this.readBand(viewerId, bands[band]!, after, page.limit - people.length);
      for (const { sortKey, ...person } of rows) people.push({ ...person, cursor: { band, key: sortKey, id: person.id } });
    }
    return { people };
  }

  private bands(query: string): Band[] {
    const words = nameKey(query).trim().split(/\s+/u).filter(Boolean);
    if (words.length === 0) return [];
    if (words.length === 1) {
      const [word] = words as [string];
      const notUsername = (ref: (c: KeyColumn) => RawBuilder<string>) => this.outside(ref('users.username_key'), word);
      return [
        { column: 'users.username_key', prefix: word, also: () => [] },
        { column: 'users.first_name_key', prefix: word, also: (ref) => [notUsername(ref)] },
        {
          column: 'users.last_name_key',
          prefix: word,
          also: (ref) => [notUsername(ref), this.outside(ref('users.first_name_key'), word)],
        },
      ];
    }
    const first = words[0]!;
    const rest = words.slice(1).join(' ');
    return [
      { column: 'users.first_name_key', prefix: first, also: (ref) => [this.inside(ref('users.last_name_key'), rest)] },
      {
        column: 'users.last_name_key',
        prefix: first,
        also: (ref) => [this.inside(ref('users.first_name_key'), rest), this.outside(ref('users.first_name_key'), first)],
      },
    ];
  }

  /** Everyone but those in a block with `viewerId`, by username, up to `limit`: the older clients' whole user list. */
  everyone(viewerId: number, limit: number): Promise<PersonRecord[]> {
    return this.db
      .selectFrom('users')
      .select(personColumns)
      .where((eb) => this.unblocked(eb, viewerId))
      .orderBy('users.username_key')
      .orderBy('users.id')
      .limit(limit)
      .execute();
  }

  private async readBand(viewerId: number, band: Band, after: DirectoryCursor | undefined, limit: number) {
    const key = this.binary(band.column);
    let query = this.db
      .selectFrom('users')
      .select([...personColumns, sql<string>`${sql.ref(band.column)}`.as('sortKey')])
      .where(this.inside(key, band.prefix))
      .where((eb) => this.unblocked(eb, viewerId));
    for (const condition of band.also((column) => this.binary(column))) query = query.where(condition);
    if (after) query = query.where(sql<SqlBool>`(${key}, ${sql.ref('users.id')}) > (${this.text(after.key)}, ${after.id})`);
    return query.orderBy(key).orderBy('users.id').limit(limit).execute();
  }

  /** The user row is not in a block with `viewerId`, either way. */
  private unblocked(eb: ExpressionBuilder<Database, 'users'>, viewerId: number) {
    return eb.not(
      eb.exists(
        eb
          .selectFrom('blocks')
          .select('blocks.blocker_id')
          .where((b) =>
            b.or([
              b.and([b('blocks.blocker_id', '=', viewerId), b('blocks.blocked_id', '=', b.ref('users.id'))]),
              b.and([b('blocks.blocker_id', '=', b.ref('users.id')), b('blocks.blocked_id', '=', viewerId)]),
            ]),
          ),
      ),
    );
  }

  /** `column` starts with `prefix`, as an index range. */
  private inside(column: Expression<string>, prefix: string): RawBuilder<SqlBool> {
    return sql<SqlBool>`(${column} >= ${this.text(prefix)} and ${column} < ${this.text(successor(prefix))})`;
  }

  private outside(column: Expression<string>, prefix: string): RawBuilder<SqlBool> {
    return sql<SqlBool>`not ${this.inside(column, prefix)}`;
  }

  /** The column compared byte by byte: SQLite's default; PostgreSQL needs the "C" collation (and its index has it). */
  private binary(column: KeyColumn): RawBuilder<string> {
    return this.postgres ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
  }

  private text(value: string): RawBuilder<string> {
    return this.postgres ? sql<string>`${value}::text collate "C"` : sql<string>`${value}`;
  }
}

/** The smallest string greater than every string that starts with `prefix`. */
export function successor(prefix: string): string {
  const points = [...prefix];
  const last = points.pop()!.codePointAt(0)!;
  // Skip the surrogate block, which no well-formed string contains.
  const next = last === 0xd7ff ? 0xe000 : last + 1;
  return points.join('') + String.fromCodePoint(Math.min(next, 0x10ffff));
}
