/**
 * Examples for the OpenAPI document, made from the schemas themselves so that every request body
 * and success response has one that fits its schema (the linter checks that they do). A schema's
 * own `examples` or `default` comes first; otherwise the value follows from the type, the format
 * and the property's name (`username` → "ada", `createdAt` → a timestamp).
 */

type Json = Record<string, unknown>;

const WHEN = '2025-03-14T09:26:53.000Z';

const STRINGS: Record<string, string> = {
  username: 'ada',
  login: 'ada',
  email: 'ada@example.com',
  pendingEmail: 'ada.lovelace@example.com',
  password: 'correct horse battery staple',
  currentPassword: 'correct horse battery staple',
  newPassword: 'analytical engine 1843',
  firstName: 'Ada',
  lastName: 'Lovelace',
  bio: 'Writes programs for engines that do not exist yet.',
  text: 'See you at nine?',
  name: 'Weekend plans',
  title: 'Bad Request',
  detail: 'The body is invalid: text must be at most 4000 characters',
  field: 'text',
  message: 'must be at most 4000 characters',
  code: '123456',
  challenge: 'c1a9e7f0b2d84e6a',
  token: 'e0c1f5a2b7d94c38a1f06b2e9d7c4a15',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl',
  refreshToken: 'r1.4f9c2b7e8a1d4c6f9b3e2a7d5c8f1b4e',
  csrfToken: 'b6f1c9e2a4d84f7c',
  hint: '4e2a',
  emoji: '👍',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  ip: '203.0.113.7',
  contentType: 'image/jpeg',
  url: '/files/2025/03/14/9f2c.jpg?expires=1741944413&sig=Zk3b',
  thumbnailUrl: '/files/2025/03/14/9f2c-thumb.webp?expires=1741944413&sig=Q2x1',
  small: '/files/avatars/9f2c-64.webp',
  large: '/files/avatars/9f2c-256.webp',
  placeholder: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
  clientId: 'b3a4c1f0-7d2e-4c9a-8f61-2e5d9a0c7b14',
  cursor: 'eyJ2IjpbMTc0MTk0NDQxMzAwMCw0Ml19',
  nextCursor: 'eyJ2IjpbMTc0MTk0NDQxMzAwMCw0Ml19',
  redirect: 'https://app.example.com/signed-in',
  redirectUrl: 'https://github.com/login/oauth/authorize?client_id=Iv1.8a61f9b3&state=c1a9e7f0',
  provider: 'github',
  id: 'github',
  type: 'about:blank',
  instance: '/api/v1/chats/7/messages',
  requestId: 'd2b8c1f4-5e6a-4b7c-9d0e-1f2a3b4c5d6e',
  search: 'ada',
  q: 'ada',
};

const INTEGERS: Record<string, number> = { seq: 57, lastSeq: 57, lastReadSeq: 55, unreadCount: 2, memberCount: 3, count: 2, width: 1600, height: 1200, size: 248_113, expiresIn: 900 };

const singular = (name: string | undefined) => name?.replace(/ies$/, 'y').replace(/s$/, '');

/** An example value of `schema`; `resolve` finds the schema of a `$ref`. */
export function exampleOf(schema: unknown, resolve: (ref: string) => Json, name?: string, depth = 0): unknown {
  if (schema === null || typeof schema !== 'object' || depth > 12) return null;
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    const target = resolve(s.$ref);
    return Array.isArray(target.examples) && target.examples.length > 0 ? target.examples[0] : exampleOf(target, resolve, name, depth + 1);
  }
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = s[key] as Json[] | undefined;
    if (branches) {
      const branch = branches.find((b) => b.type !== 'null') ?? branches[0];
      return exampleOf(branch, resolve, name, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...(s.allOf as Json[]).map((part) => exampleOf(part, resolve, name, depth + 1) as Json));
  }
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
  switch (type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Json>;
      return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, exampleOf(value, resolve, key, depth + 1)]));
    }
    case 'array': {
      const maxItems = typeof s.maxItems === 'number' ? s.maxItems : 1;
      return maxItems < 1 ? [] : [exampleOf(s.items, resolve, singular(name), depth + 1)];
    }
    case 'integer':
    case 'number':
      return numberExample(s, name);
    case 'boolean':
      return name === 'isDefault' || name === 'me' ? false : true;
    case 'null':
      return null;
    case 'string':
      return stringExample(s, name);
    default:
      return {};
  }
}

function numberExample(s: Json, name: string | undefined): number {
  const minimum = typeof s.minimum === 'number' ? s.minimum : undefined;
  const maximum = typeof s.maximum === 'number' ? s.maximum : undefined;
  let value = (name === undefined ? undefined : INTEGERS[name]) ?? (name === 'id' || name?.endsWith('Id') ? 42 : 1);
  if (minimum !== undefined && value < minimum) value = minimum;
  if (maximum !== undefined && value > maximum) value = maximum;
  return value;
}

function stringExample(s: Json, name: string | undefined): string {
  if (s.format === 'date-time' || name?.endsWith('At')) return WHEN;
  if (s.format === 'email') return STRINGS.email!;
  if (s.format === 'uri') return 'https://app.example.com/';
  let value = (name === undefined ? undefined : STRINGS[name]) ?? name ?? 'text';
  const minLength = typeof s.minLength === 'number' ? s.minLength : 0;
  const maxLength = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  if (value.length < minLength) value = value.padEnd(minLength, 'x');
  if (value.length > maxLength) value = value.slice(0, maxLength);
  return value;
}
