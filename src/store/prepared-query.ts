import type { Compilable, CompiledQuery, QueryResult } from 'kysely';

/** Stands in for a value given at each run; it ends up in the compiled parameter list. */
class Slot {
  constructor(readonly name: string) {}
}

/** SQL texts preparedQuery compiled, and the name PostgreSQL keeps each one's plan under. */
const statementNames = new Map<string, string>();

/**
 * The statement name for SQL that preparedQuery compiled, undefined for any other. The PostgreSQL
 * connection sends these as named statements, so each connection parses and plans them once
 * (other queries vary too much, in IN lists, to be kept on every connection).
 */
export function statementNameOf(text: string): string | undefined {
  return statementNames.get(text);
}

/** What `build` receives: `slot('id')` in place of a value, typed as the value it stands for. */
export type SlotOf<Params> = <K extends keyof Params & string>(name: K) => Params[K];

/**
 * A query built and compiled by Kysely once, then run with new values: on the hottest reads
 * (a post by id, a feed page) building the query tree and compiling it took more of the
 * server's time than the database took to answer. The SQL text never changes, so SQLite's
 * statement cache keeps it, and PostgreSQL keeps its plan as a named statement (statementNameOf). Only the values the query takes as
 * parameters may be slots (not identifiers, not the length of an IN list): those are replaced
 * by position in the parameter list, exactly where Kysely put them.
 */
export function preparedQuery<Params extends Record<string, unknown>, Row>(
  /** The database, read at each run (so a repository can declare its queries as fields). */
  db: () => { executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> },
  build: (slot: SlotOf<Params>) => Compilable<Row>,
  options: {
    /**
     * False for a query whose best plan depends on its values (an array of any length, say): a
     * plan PostgreSQL keeps for every value would fit some of them badly, so it plans each run.
     */
    keepPlan?: boolean;
  } = {},
): (params: Params) => Promise<Row[]> {
  let compiled: CompiledQuery<Row> | undefined;
  let names: Array<string | undefined> = [];
  return async (params) => {
    if (!compiled) {
      compiled = build((name) => new Slot(name) as never).compile();
      names = compiled.parameters.map((value) => (value instanceof Slot ? value.name : undefined));
      if (options.keepPlan !== false && !statementNames.has(compiled.sql)) statementNames.set(compiled.sql, `prepared_${statementNames.size + 1}`);
    }
    const parameters = compiled.parameters.map((value, i) => {
      const name = names[i];
      return name === undefined ? value : params[name];
    });
    const result = await db().executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}
