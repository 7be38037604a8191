/** A LIKE pattern matching values that contain `text` (lower-cased), with wildcards escaped; use with ESCAPE '\\'. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
