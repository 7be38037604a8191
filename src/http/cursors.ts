import { Type } from 'typebox';
import { validationError } from '../services/errors.js';

/** Where a page ends, as an opaque string: the sort values of its last row, as base64url JSON. */

export const Cursor = Type.String({ maxLength: 400, description: 'Opaque: `nextCursor` of the previous page' });

type Kind = 'int' | 'string';
type ValueOf<K extends Kind> = K extends 'int' ? number : string;

export function encodeCursor(values: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor this API gave out, of the kinds given; a 400 for anything else. */
export function decodeCursor<const K extends readonly Kind[]>(cursor: string, kinds: K): { -readonly [I in keyof K]: ValueOf<K[I]> } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const fits = (item: unknown, kind: Kind) => (kind === 'int' ? Number.isSafeInteger(item) : typeof item === 'string' && item.length <= 200);
    if (Array.isArray(value) && value.length === kinds.length && value.every((item, i) => fits(item, kinds[i]!))) {
      return value as { -readonly [I in keyof K]: ValueOf<K[I]> };
    }
  } catch {
    // Falls through to the error below.
  }
  throw validationError('invalid_cursor', 'The cursor is not one this API gave out', [{ field: 'cursor', message: 'is invalid' }]);
}
