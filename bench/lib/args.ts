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
