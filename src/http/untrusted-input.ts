/**
 * Checks every request part (and WebSocket frame) goes through before its schema: text that no
 * store can keep as sent, and numbers written in any form but plain decimal digits. They live in
 * the validation layer so that no route can forget them.
 */

/** Where in a value a problem was found (a JSON pointer, as ajv reports) and what it is. */
export interface InputProblem {
  instancePath: string;
  message: string;
}

const pointerPart = (key: string | number) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The first string (value or key) holding a NUL character or a lone UTF-16 surrogate, anywhere in a
 * parsed JSON value. PostgreSQL cannot store NUL in text, and a lone surrogate cannot be encoded as
 * UTF-8, so both would be stored mangled or fail deep inside the database. Walks with its own stack:
 * a body may nest deeper than the call stack.
 */
export function findUnstorableText(value: unknown): InputProblem | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      if (!storable(current)) return { instancePath: path, message: 'must not contain NUL characters or unpaired surrogates' };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}/${i}` });
    } else if (typeof current === 'object' && current !== null) {
      for (const key of Object.keys(current)) {
        const child = `${path}/${pointerPart(key)}`;
        if (!storable(key)) return { instancePath: child, message: 'must not contain NUL characters or unpaired surrogates (in the name)' };
        stack.push({ value: (current as Record<string, unknown>)[key], path: child });
      }
    }
  }
  return undefined;
}

function storable(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]{0,15})$/;

/**
 * The names of the integer-typed properties of a params or query-string schema. Text is coerced to
 * numbers by the validator, which takes `0x49`, `73e0`, ` 73` and `Infinity` as numbers too; these
 * properties must instead be written as a canonical decimal integer that fits a safe integer.
 */
export function integerProperties(schema: unknown): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown; items?: { type?: unknown } }> } | null)?.properties;
  if (!properties) return [];
  return Object.keys(properties).filter((name) => {
    const property = properties[name];
    return property?.type === 'integer' || (property?.type === 'array' && property.items?.type === 'integer');
  });
}

/** The first of `names` in `data` (still text) that is not a canonical decimal safe integer. */
export function findNonCanonicalInteger(data: unknown, names: readonly string[]): InputProblem | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  for (const name of names) {
    if (!Object.hasOwn(data, name)) continue;
    const raw = (data as Record<string, unknown>)[name];
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values) {
      if (typeof value !== 'string') continue;
      if (!DECIMAL_INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
        return { instancePath: `/${pointerPart(name)}`, message: 'must be a whole number written in decimal digits' };
      }
    }
  }
  return undefined;
}
