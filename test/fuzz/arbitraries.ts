import fc from 'fast-check';

/**
 * What hostile clients send: strings that name inherited properties, numbers in every spelling a
 * parser might accept, text no database can store, escapes, and plain random text.
 */
export const nastyStrings = [
  'constructor',
  '__proto__',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'Infinity',
  '-Infinity',
  'NaN',
  '1e400',
  '-1e400',
  '0x49',
  '73.0',
  '+73',
  '073',
  '73e0',
  ' 73',
  '-1',
  '-0',
  '0',
  '9007199254740993',
  '99999999999999999999999',
  '',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  'a\u0000b',
  'a\uD800b',
  '\uDC00',
  '😀',
  'İstanbul',
  'ß',
  '\u202eevil',
  '\r\nX-Injected: 1',
  "'; DROP TABLE users; --",
  '%',
  '%00',
  '../../etc/passwd',
  'x'.repeat(5000),
] as const;

export const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.nat({ max: 10 }).map(String) },
);

/** Numbers JSON can carry but `JSON.stringify` cannot write; replaced in the serialized text. */
const rawNumbers = ['1e400', '-1e400', '1e-400', '-0', '9007199254740993', '1.0', '0.1e1'] as const;
const rawMarker = (raw: string) => `@@raw:${raw}@@`;

export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.nat({ max: 5 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(...rawNumbers).map(rawMarker) },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: fc.array(fc.oneof(text, fc.nat({ max: 5 })), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...nastyStrings), text, { maxKeys: 3 }) },
);

/** JSON text of `value`, with the raw-number markers written as the raw numbers. */
export function serialize(value: unknown): string {
  return JSON.stringify(value).replace(/"@@raw:([^@]*)@@"/g, '$1');
}

/** An object with some of the expected fields (any values) and perhaps fields nobody expects. */
export function objectWith(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const keys = fc.tuple(fc.subarray([...fields]), fc.array(fc.oneof(fc.constantFrom(...nastyStrings), fc.string({ maxLength: 10 })), { maxLength: 2 }));
  return keys.chain(([expected, extra]) => {
    const names = [...new Set([...expected, ...extra])];
    return fc.tuple(...names.map(() => jsonValue)).map((values) => {
      // defineProperty, so a key named __proto__ becomes data, as JSON.parse would make it.
      const object: Record<string, unknown> = {};
      names.forEach((name, i) => Object.defineProperty(object, name, { value: values[i], enumerable: true, writable: true, configurable: true }));
      return object;
    });
  });
}

/** Raw request bodies a JSON parser must refuse without falling over. */
export const rawBodies = fc.constantFrom(
  '{',
  '{"a":',
  'null',
  '"just a string"',
  '1e400',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`,
  '\u0000',
  '{"text":"\\ud800"}',
  '{"text":"\\u0000"}',
  '\uFEFF{}',
);

/** A path segment as it goes on the wire: percent-encoded text, or raw escapes of our own. */
export const pathSegment = fc.oneof(
  { weight: 4, arbitrary: text.map((s) => encodeURIComponent(s.toWellFormed())) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '%2F', '%252F', '..', '.', '%2E%2E', ';', 'a;b=c') },
);

/** A query-string value as it goes on the wire. */
export const queryValue = fc.oneof(
  { weight: 4, arbitrary: text.map((s) => encodeURIComponent(s.toWellFormed())) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%FF', '%', '&', '=', '%26') },
);
