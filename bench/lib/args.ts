/** Reads `--name=N` from the command line: a positive integer, or `fallback` when absent. */
export function integerOption(name: string, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const prefix = `--${name}=`;
  const given = argv.find((arg) => arg.startsWith(prefix));
  if (given === undefined) return fallback;
  const value = Number(given.slice(prefix.length));
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} expects a positive integer, got ${given.slice(prefix.length)}`);
  return value;
}

/** The command line as a reader would type it, for the report: `npm run <script> -- <args>`. */
export function commandLine(script: string, argv: readonly string[] = process.argv.slice(2)): string {
  return argv.length ? `npm run ${script} -- ${argv.join(' ')}` : `npm run ${script}`;
}

/** Whether `--name` was given. */
export function flagOption(name: string, argv: readonly string[] = process.argv.slice(2)): boolean {
  return argv.includes(`--${name}`);
}

/** Reads `--name=a,b` as a subset of `allowed`; all of `allowed` when absent. */
export function listOption<T extends string>(name: string, allowed: readonly T[], argv: readonly string[] = process.argv.slice(2)): T[] {
  const prefix = `--${name}=`;
  const given = argv.find((arg) => arg.startsWith(prefix));
  if (given === undefined) return [...allowed];
  const values = given.slice(prefix.length).split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (values.length === 0 || unknown.length > 0) throw new Error(`--${name} expects some of ${allowed.join(',')}, got ${given.slice(prefix.length)}`);
  return allowed.filter((a) => values.includes(a));
}
