/**
 * Which unique constraint an insert or update broke, on either engine, or undefined when the error
 * is something else. SQLite names the columns ("UNIQUE constraint failed: users.email");
 * PostgreSQL names the constraint ("users_email_key").
 */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: string; message?: string; constraint?: string };
  if (e?.code === '23505') return e.constraint ?? 'unknown';
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return /UNIQUE constraint failed: (.+)$/.exec(e.message ?? '')?.[1] ?? 'unknown';
  }
  return undefined;
}
