import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, makeValidator, EnvError, EnvMissingError } from 'envalid';
import type { S3BlobStoreOptions } from './adapters/blobs/s3-blob-store.js';

/** Thrown when an environment variable is missing or has the wrong form; the message is one line. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`${variable}: ${expected}`);
    this.name = 'ConfigError';
  }
}

// Each validator throws EnvError with a message that says what it expected and what it got,
// so a wrong value stops start-up with one readable line.
const got = (input: string) => `got ${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}`;

const integer = (min: number, max: number) =>
  makeValidator<number>((input) => {
    const value = Number(input);
    if (!/^-?\d+$/.test(input.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new EnvError(`expected an integer from ${min} to ${max}, ${got(input)}`);
    }
    return value;
  });

const boolean = makeValidator<boolean>((input) => {
  const value = input.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new EnvError(`expected true or false, ${got(input)}`);
});

const oneOf = <T extends string>(choices: readonly T[]) =>
  makeValidator<T>((input) => {
    if ((choices as readonly string[]).includes(input)) return input as T;
    throw new EnvError(`expected one of ${choices.join(', ')}, ${got(input)}`);
  });

const urlWithProtocol = (protocols: readonly string[]) =>
  makeValidator<string>((input) => {
    // The value is not echoed: URLs like these carry passwords.
    const expected = `expected a ${protocols.map((p) => `${p}://`).join(' or ')} URL`;
    let parsed: URL;
    try {
      parsed = new URL(input);
    } catch {
      throw new EnvError(expected);
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) throw new EnvError(expected);
    return input;
  });

const text = (pattern: RegExp, description: string) =>
  makeValidator<string>((input) => {
    if (!pattern.test(input)) throw new EnvError(`expected ${description}, ${got(input)}`);
    return input;
  });

/** `false`, `true`, a hop count, or a comma-separated list of trusted proxy addresses/CIDRs. */
const trustProxy = makeValidator<boolean | number | string[]>((input) => {
  const value = input.trim();
  if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length > 0 && list.every((s) => /^[0-9a-fA-F.:/]+$/.test(s))) return list;
  throw new EnvError(`expected true, false, a hop count or a list of addresses, ${got(input)}`);
});

/** `max/window`, e.g. `10/15m`: at most max requests per window (s, m, h). */
const rateLimit = makeValidator<{ max: number; windowMs: number }>((input) => {
  const match = /^(\d{1,6})\/(\d{1,5})(s|m|h)$/.exec(input.trim());
  if (!match) throw new EnvError(`expected max/window such as 10/15m (window in s, m or h), ${got(input)}`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000 }[match[3] as 's' | 'm' | 'h'];
  return { max: Number(match[1]), windowMs: Number(match[2]) * unit };
});

/** Like `text`, but the value is never echoed: it is a secret. */
const secret = (pattern: RegExp, description: string) =>
  makeValidator<string>((input) => {
    if (!pattern.test(input)) throw new EnvError(`expected ${description}`);
    return input;
  });

/** A comma-separated list of http(s) origins (scheme, host and port; no path), each normalized. */
const originList = makeValidator<string[]>((input) => {
  const origins: string[] = [];
  for (const item of input.split(',').map((s) => s.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== item.replace(/\/+$/, '')) {
      throw new EnvError(`expected comma-separated origins such as https://app.example.com, ${got(input)}`);
    }
    origins.push(url.origin);
  }
  return origins;
});

/** The source documents served as dialects (docs/COMPAT.md). */
export const COMPAT_SEEDS = ['000', '001', '002', '003', '004'] as const;
export type CompatSeed = (typeof COMPAT_SEEDS)[number];

/** A comma-separated list of dialects, `all` or `none`. */
const dialectList = makeValidator<CompatSeed[]>((input) => {
  const value = input.trim().toLowerCase();
  if (value === 'all') return [...COMPAT_SEEDS];
  if (value === 'none') return [];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.find((item) => !(COMPAT_SEEDS as readonly string[]).includes(item));
  if (unknown !== undefined || items.length === 0) throw new EnvError(`expected all, none or a comma-separated list of ${COMPAT_SEEDS.join(', ')}, ${got(input)}`);
  return [...new Set(items)] as CompatSeed[];
});

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const nodeEnvs = ['development', 'production', 'test'] as const;
const logFormats = ['auto', 'json', 'pretty'] as const;

const specs = {
  NODE_ENV: oneOf(nodeEnvs)({ default: 'development', desc: 'development, production or test' }),
  HOST: text(/^[\w.:-]+$/, 'a host name or address')({ default: '0.0.0.0', desc: 'address to listen on' }),
  PORT: integer(0, 65535)({ default: 8000, desc: 'TCP port to listen on' }),
  DATA_DIR: text(/.+/, 'a directory path')({ default: './data', desc: 'where the SQLite database and local files live' }),
  DATABASE_URL: urlWithProtocol(['postgres', 'postgresql'])({ default: undefined, desc: 'PostgreSQL URL; SQLite in DATA_DIR when unset' }),
  DATABASE_SCHEMA: text(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case PostgreSQL schema name')({ default: 'public' }),
  DATABASE_POOL_SIZE: integer(1, 1000)({ default: 10, desc: 'PostgreSQL connections per process' }),
  REDIS_URL: urlWithProtocol(['redis', 'rediss'])({ default: undefined, desc: 'Redis URL; in-process bus when unset' }),
  REDIS_KEY_PREFIX: text(/^[\w:.-]{0,64}$/, 'up to 64 letters, digits, _ : . -')({ default: 'msg:' }),
  LOG_LEVEL: oneOf(logLevels)({ default: 'info' }),
  LOG_FORMAT: oneOf(logFormats)({ default: 'auto', desc: 'json, or pretty (one readable line per entry; needs the dev dependencies; not in production); auto: pretty when NODE_ENV is development and the output is a terminal' }),
  BODY_LIMIT_BYTES: integer(1024, 1024 * 1024 * 1024)({ default: 1024 * 1024, desc: 'largest JSON body accepted' }),
  TRUST_PROXY: trustProxy({ default: false, desc: 'trust X-Forwarded-* from these proxies' }),
  CORS_ORIGINS: text(/^[^\s,]*(\s*,\s*[^\s,]+)*$/, 'a comma-separated list of origins, or *')({ default: '' }),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000)({ default: 10_000, desc: 'how long in-flight work may take after SIGTERM' }),
  METRICS_TOKEN: text(/^\S{16,}$/, 'at least 16 characters without spaces')({ default: undefined }),
  DOCS_ENABLED: boolean({ default: true, desc: 'serve /docs and /openapi.json' }),
  WEB_CLIENT_ENABLED: boolean({ default: true, desc: 'serve the web client at / (built into WEB_CLIENT_DIR by npm run build)' }),
  WEB_CLIENT_DIR: text(/.+/, 'a directory path')({ default: undefined, desc: 'where the built web client is; web/dist of this package when unset' }),
  DEV_OUTBOX_ENABLED: boolean({ default: false, desc: 'outside production, serve /dev/outbox to any client, not only loopback ones' }),

  APP_URL: urlWithProtocol(['http', 'https'])({ default: undefined, desc: 'public base URL of the client app, for links in mail' }),
  AUTH_SECRET: secret(/^[\s\S]{32,}$/, 'at least 32 characters')({ default: undefined, desc: 'signs access tokens and codes; generated into DATA_DIR when unset outside production' }),
  ACCESS_TOKEN_TTL_SECONDS: integer(60, 86_400)({ default: 900 }),
  REFRESH_TOKEN_TTL_DAYS: integer(1, 365)({ default: 30 }),
  REFRESH_REUSE_GRACE_SECONDS: integer(0, 60)({ default: 10, desc: 'a refresh token presented again this soon gets the same new pair (two tabs); later it ends the session' }),
  REQUIRE_EMAIL_VERIFICATION: boolean({ default: false }),
  PASSWORD_REQUIRE_MIXED: boolean({ default: false, desc: 'also require upper case, digit and special character' }),
  ARGON2_MEMORY_KIB: integer(1024, 4 * 1024 * 1024)({ default: 19_456 }),
  ARGON2_TIME_COST: integer(1, 100)({ default: 2 }),
  ARGON2_PARALLELISM: integer(1, 64)({ default: 1 }),
  COOKIE_SECURE: boolean({ default: undefined, desc: 'Secure flag on cookies; on in production by default' }),
  SMTP_URL: urlWithProtocol(['smtp', 'smtps'])({ default: undefined, desc: 'SMTP server; dev outbox when unset' }),
  MAIL_FROM: text(/^.{3,200}$/, 'a sender address')({ default: 'Messenger <no-reply@localhost>' }),

  MAX_UPLOAD_BYTES: integer(1, 2 * 1024 * 1024 * 1024)({ default: 25 * 1024 * 1024 }),
  MAX_IMAGE_PIXELS: integer(1, 1_000_000_000)({ default: 40_000_000, desc: 'larger images are refused before decoding' }),
  FILE_URL_TTL_SECONDS: integer(60, 7 * 86_400)({ default: 86_400, desc: 'lifetime of signed file URLs' }),
  AVATAR_MAX_BYTES: integer(1, 100 * 1024 * 1024)({ default: 5 * 1024 * 1024, desc: 'largest avatar image accepted' }),
  AVATAR_MAX_PIXELS: integer(1, 1_000_000_000)({ default: 40_000_000, desc: 'larger avatar images are refused before decoding' }),
  S3_BUCKET: text(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, . and -)')({
    default: undefined,
    desc: 'store files in this S3-compatible bucket instead of DATA_DIR/files',
  }),
  S3_REGION: text(/^[a-z0-9-]{1,40}$/, 'a region name such as us-east-1')({ default: 'us-east-1' }),
  S3_ENDPOINT: urlWithProtocol(['http', 'https'])({ default: undefined, desc: 'S3-compatible endpoint; AWS when unset' }),
  S3_FORCE_PATH_STYLE: boolean({ default: false, desc: 'bucket in the URL path, as most S3-compatible stores want' }),
  S3_ACCESS_KEY_ID: text(/^\S{1,128}$/, 'an access key id')({ default: undefined }),
  S3_SECRET_ACCESS_KEY: secret(/^\S{1,256}$/, '1-256 characters without spaces')({ default: undefined }),
  S3_URL_TTL_SECONDS: integer(10, 7 * 86_400)({ default: 300, desc: 'lifetime of the presigned URLs /files/* redirects to' }),
  MAX_GROUP_MEMBERS: integer(2, 100_000)({ default: 1000 }),
  FRIENDS_AUTO_ACCEPT: boolean({ default: false, desc: 'a friend request makes a friendship at once, as in the older clients' }),
  WS_HEARTBEAT_SECONDS: integer(1, 300)({ default: 25, desc: 'ping interval; a socket missing one pong is closed' }),
  WS_MAX_BUFFERED_BYTES: integer(1024, 1024 * 1024 * 1024)({ default: 4 * 1024 * 1024, desc: 'outgoing backlog per socket before it is closed (4008)' }),
  WS_MAX_FRAME_BYTES: integer(1024, 16 * 1024 * 1024)({ default: 64 * 1024 }),
  WS_RATE_LIMIT: rateLimit({ default: { max: 50, windowMs: 10_000 }, desc: 'frames a client may send; more closes the socket (4029)' }),
  SYNC_ENABLED: boolean({ default: true, desc: 'record events for GET /api/v1/sync and the socket\'s ?since= (frames then carry a syncToken)' }),
  SYNC_RETENTION_DAYS: integer(1, 3650)({ default: 30, desc: 'how long recorded events are kept; an older token is answered 410 resync_required' }),
  WS_MAX_SOCKETS_PER_USER: integer(1, 10_000)({ default: 50, desc: 'open sockets per user on one node; a new one closes the oldest (4409)' }),

  COMPAT_DIALECTS: dialectList({ default: [...COMPAT_SEEDS], desc: 'the source APIs served at /compat/<seed> (docs/COMPAT.md): all, none, or a list such as 000,003' }),
  COMPAT_ROOT: oneOf(COMPAT_SEEDS)({ default: undefined, desc: 'also serve this dialect at the root, for clients with hard-coded paths' }),
  PUBLIC_URL: urlWithProtocol(['http', 'https'])({ default: undefined, desc: 'public base URL of this API; OAuth callbacks are built on it (derived from each request when unset)' }),
  OAUTH_REDIRECT_ORIGINS: originList({ default: [], desc: 'origins, besides APP_URL, CORS_ORIGINS and this API\'s own, that OAuth sign-in may redirect back to' }),
  OAUTH_TIMEOUT_MS: integer(100, 120_000)({ default: 10_000, desc: 'each call to a sign-in provider (token, profile, discovery, picture)' }),
  GITHUB_CLIENT_ID: text(/^\S{1,200}$/, 'an OAuth app client id')({ default: undefined, desc: 'GitHub sign-in is on when the id and secret are set' }),
  GITHUB_CLIENT_SECRET: secret(/^\S{1,500}$/, '1-500 characters without spaces')({ default: undefined }),
  GITHUB_AUTHORIZE_URL: urlWithProtocol(['http', 'https'])({ default: 'https://github.com/login/oauth/authorize' }),
  GITHUB_TOKEN_URL: urlWithProtocol(['http', 'https'])({ default: 'https://github.com/login/oauth/access_token' }),
  GITHUB_API_URL: urlWithProtocol(['http', 'https'])({ default: 'https://api.github.com', desc: 'GitHub Enterprise: https://HOST/api/v3' }),
  FORTYTWO_CLIENT_ID: text(/^\S{1,200}$/, 'an OAuth app client id')({ default: undefined, desc: '42 intranet sign-in is on when the id and secret are set' }),
  FORTYTWO_CLIENT_SECRET: secret(/^\S{1,500}$/, '1-500 characters without spaces')({ default: undefined }),
  FORTYTWO_AUTHORIZE_URL: urlWithProtocol(['http', 'https'])({ default: 'https://api.intra.42.fr/oauth/authorize' }),
  FORTYTWO_TOKEN_URL: urlWithProtocol(['http', 'https'])({ default: 'https://api.intra.42.fr/oauth/token' }),
  FORTYTWO_API_URL: urlWithProtocol(['http', 'https'])({ default: 'https://api.intra.42.fr' }),
  OIDC_ISSUER: urlWithProtocol(['http', 'https'])({ default: undefined, desc: 'an OpenID Connect issuer, found by discovery; on with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET' }),
  OIDC_CLIENT_ID: text(/^\S{1,200}$/, 'a client id')({ default: undefined }),
  OIDC_CLIENT_SECRET: secret(/^\S{1,500}$/, '1-500 characters without spaces')({ default: undefined }),
  OIDC_NAME: text(/^[^\p{Cc}]{1,40}$/u, 'a display name of 1-40 characters')({ default: 'Single sign-on', desc: 'the button label clients show' }),

  RATE_LIMIT_ENABLED: boolean({ default: true }),
  RATE_LIMIT_LOGIN_PER_IP: rateLimit({ default: { max: 30, windowMs: 5 * 60_000 } }),
  RATE_LIMIT_LOGIN_PER_ACCOUNT: rateLimit({ default: { max: 10, windowMs: 15 * 60_000 } }),
  RATE_LIMIT_REGISTER: rateLimit({ default: { max: 10, windowMs: 60 * 60_000 } }),
  RATE_LIMIT_PASSWORD_FORGOT: rateLimit({ default: { max: 5, windowMs: 15 * 60_000 } }),
  RATE_LIMIT_VERIFY_RESEND: rateLimit({ default: { max: 5, windowMs: 15 * 60_000 } }),
  RATE_LIMIT_AVAILABILITY: rateLimit({ default: { max: 60, windowMs: 60_000 } }),
  RATE_LIMIT_CODE_CHECK: rateLimit({ default: { max: 20, windowMs: 15 * 60_000 } }),
  RATE_LIMIT_TWO_FACTOR: rateLimit({ default: { max: 30, windowMs: 15 * 60_000 }, desc: 'second-factor codes tried per client address (POST /auth/login/2fa); a challenge also dies after 5 wrong codes' }),
  RATE_LIMIT_TWO_FACTOR_SEND: rateLimit({ default: { max: 10, windowMs: 15 * 60_000 }, desc: 'login codes mailed per client address (POST /auth/login/2fa/send)' }),
  RATE_LIMIT_OAUTH_START: rateLimit({ default: { max: 30, windowMs: 5 * 60_000 }, desc: 'OAuth sign-ins started per client address' }),
  RATE_LIMIT_FILES: rateLimit({ default: { max: 600, windowMs: 60_000 }, desc: 'downloads from /files/* and /files/avatars/* per client address, each' }),
};

/** Every variable the server reads, for the documentation check. */
export const configVariables: readonly string[] = Object.keys(specs);

export interface RateLimitRule {
  max: number;
  windowMs: number;
}

export type LogLevel = (typeof logLevels)[number];

export interface Config {
  nodeEnv: (typeof nodeEnvs)[number];
  host: string;
  port: number;
  dataDir: string;
  database: { url?: string; schema: string; poolSize: number };
  redis: { url?: string; keyPrefix: string };
  logLevel: LogLevel;
  /** `auto` is resolved when the logger is made (it depends on the terminal). */
  logFormat: (typeof logFormats)[number];
  bodyLimitBytes: number;
  trustProxy: boolean | number | string[];
  corsOrigins: string[] | '*';
  shutdownTimeoutMs: number;
  metricsToken?: string;
  docsEnabled: boolean;
  /** The built web client, served at `/`; undefined when turned off. */
  webClientDir?: string;
  /** Outside production, /dev/outbox answers every client; otherwise loopback clients only. */
  devOutboxEnabled: boolean;
  appUrl: string;
  auth: {
    /** Undefined outside production when unset: the app generates one into DATA_DIR. */
    secret?: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    refreshReuseGraceSeconds: number;
    requireEmailVerification: boolean;
    passwordRequireMixed: boolean;
    argon2: { memoryKib: number; timeCost: number; parallelism: number };
    cookieSecure: boolean;
  };
  mail: { smtpUrl?: string; from: string };
  uploads: { maxBytes: number; maxImagePixels: number; urlTtlSeconds: number };
  avatars: { maxBytes: number; maxPixels: number };
  /** Set when files live in an S3-compatible bucket; the filesystem under DATA_DIR otherwise. */
  s3?: S3BlobStoreOptions & { urlTtlSeconds: number };
  chats: { maxGroupMembers: number };
  friends: { autoAccept: boolean };
  sync: { enabled: boolean; retentionDays: number };
  realtime: { heartbeatMs: number; maxBufferedBytes: number; maxFrameBytes: number; rateLimit: RateLimitRule; maxSocketsPerUser: number };
  oauth: OAuthConfig;
  /** The dialects served, and the one also served at the root. */
  compat: { dialects: CompatSeed[]; root?: CompatSeed };
  rateLimits: {
    enabled: boolean;
    loginPerIp: RateLimitRule;
    loginPerAccount: RateLimitRule;
    register: RateLimitRule;
    passwordForgot: RateLimitRule;
    verifyResend: RateLimitRule;
    availability: RateLimitRule;
    codeCheck: RateLimitRule;
    twoFactor: RateLimitRule;
    twoFactorSend: RateLimitRule;
    oauthStart: RateLimitRule;
    files: RateLimitRule;
  };
}

/** A built-in OAuth provider's app and endpoints. */
export interface OAuthAppConfig {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
}

/** Sign-in providers: each is set only when its client id and secret are. */
export interface OAuthConfig {
  /** Where providers send the browser back to; derived from each request when unset. */
  publicUrl?: string;
  /** Origins sign-in may redirect to besides APP_URL's and CORS_ORIGINS. */
  redirectOrigins: string[];
  timeoutMs: number;
  github?: OAuthAppConfig;
  fortyTwo?: OAuthAppConfig;
  oidc?: { issuer: string; clientId: string; clientSecret: string; name: string };
}

/** Reads and validates every variable once; throws ConfigError naming the first bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty value (`FOO=` in a .env file) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const clean = cleanEnv(present, specs, {
    reporter: ({ errors }) => {
      const [name, error] = Object.entries(errors)[0] ?? [];
      if (!name || !error) return;
      const expected = error instanceof EnvMissingError ? 'is required' : error.message;
      throw new ConfigError(name, expected);
    },
  });
  if (clean.NODE_ENV === 'production' && !clean.AUTH_SECRET) {
    throw new ConfigError('AUTH_SECRET', 'is required in production (at least 32 random characters)');
  }
  if (clean.NODE_ENV === 'production' && clean.LOG_FORMAT === 'pretty') {
    throw new ConfigError('LOG_FORMAT', 'pretty is for development; production logs are JSON (set json or auto)');
  }
  if (Boolean(clean.S3_ACCESS_KEY_ID) !== Boolean(clean.S3_SECRET_ACCESS_KEY)) {
    const missing = clean.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
    throw new ConfigError(missing, 'is required with the other S3 key (set both, or neither for the default credential chain)');
  }
  const cors = clean.CORS_ORIGINS.trim();
  if (clean.COMPAT_ROOT && !clean.COMPAT_DIALECTS.includes(clean.COMPAT_ROOT)) {
    throw new ConfigError('COMPAT_ROOT', `names dialect ${clean.COMPAT_ROOT}, which COMPAT_DIALECTS does not turn on`);
  }
  const oauthApp = (prefix: 'GITHUB' | 'FORTYTWO'): OAuthAppConfig | undefined => {
    const [clientId, clientSecret] = [clean[`${prefix}_CLIENT_ID`], clean[`${prefix}_CLIENT_SECRET`]];
    if (Boolean(clientId) !== Boolean(clientSecret)) {
      throw new ConfigError(`${prefix}_${clientId ? 'CLIENT_SECRET' : 'CLIENT_ID'}`, `is required with ${prefix}_${clientId ? 'CLIENT_ID' : 'CLIENT_SECRET'}`);
    }
    if (!clientId || !clientSecret) return undefined;
    const urls = { authorizeUrl: clean[`${prefix}_AUTHORIZE_URL`], tokenUrl: clean[`${prefix}_TOKEN_URL`], apiUrl: clean[`${prefix}_API_URL`].replace(/\/+$/, '') };
    return { clientId, clientSecret, ...urls };
  };
  const oidcParts = [clean.OIDC_ISSUER, clean.OIDC_CLIENT_ID, clean.OIDC_CLIENT_SECRET];
  if (oidcParts.some(Boolean) && !oidcParts.every(Boolean)) {
    const missing = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).find((name) => !clean[name]) ?? 'OIDC_ISSUER';
    throw new ConfigError(missing, 'is required with the other OIDC_ settings (set the issuer, client id and secret, or none)');
  }
  return {
    nodeEnv: clean.NODE_ENV,
    host: clean.HOST,
    port: clean.PORT,
    dataDir: path.resolve(clean.DATA_DIR),
    database: { url: clean.DATABASE_URL, schema: clean.DATABASE_SCHEMA, poolSize: clean.DATABASE_POOL_SIZE },
    redis: { url: clean.REDIS_URL, keyPrefix: clean.REDIS_KEY_PREFIX },
    logLevel: clean.LOG_LEVEL,
    logFormat: clean.LOG_FORMAT,
    bodyLimitBytes: clean.BODY_LIMIT_BYTES,
    trustProxy: clean.TRUST_PROXY,
    corsOrigins: cors === '*' ? '*' : cors.split(',').map((s) => s.trim()).filter(Boolean),
    shutdownTimeoutMs: clean.SHUTDOWN_TIMEOUT_MS,
    metricsToken: clean.METRICS_TOKEN,
    docsEnabled: clean.DOCS_ENABLED,
    webClientDir: clean.WEB_CLIENT_ENABLED ? path.resolve(clean.WEB_CLIENT_DIR ?? fileURLToPath(new URL('../web/dist', import.meta.url))) : undefined,
    devOutboxEnabled: clean.DEV_OUTBOX_ENABLED,
    appUrl: (clean.APP_URL ?? `http://localhost:${clean.PORT}`).replace(/\/+$/, ''),
    auth: {
      secret: clean.AUTH_SECRET,
      accessTokenTtlSeconds: clean.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: clean.REFRESH_TOKEN_TTL_DAYS,
      refreshReuseGraceSeconds: clean.REFRESH_REUSE_GRACE_SECONDS,
      requireEmailVerification: clean.REQUIRE_EMAIL_VERIFICATION,
      passwordRequireMixed: clean.PASSWORD_REQUIRE_MIXED,
      argon2: { memoryKib: clean.ARGON2_MEMORY_KIB, timeCost: clean.ARGON2_TIME_COST, parallelism: clean.ARGON2_PARALLELISM },
      cookieSecure: clean.COOKIE_SECURE ?? clean.NODE_ENV === 'production',
    },
    mail: { smtpUrl: clean.SMTP_URL, from: clean.MAIL_FROM },
    uploads: { maxBytes: clean.MAX_UPLOAD_BYTES, maxImagePixels: clean.MAX_IMAGE_PIXELS, urlTtlSeconds: clean.FILE_URL_TTL_SECONDS },
    avatars: { maxBytes: clean.AVATAR_MAX_BYTES, maxPixels: clean.AVATAR_MAX_PIXELS },
    s3: clean.S3_BUCKET
      ? {
          bucket: clean.S3_BUCKET,
          region: clean.S3_REGION,
          endpoint: clean.S3_ENDPOINT,
          forcePathStyle: clean.S3_FORCE_PATH_STYLE,
          accessKeyId: clean.S3_ACCESS_KEY_ID,
          secretAccessKey: clean.S3_SECRET_ACCESS_KEY,
          urlTtlSeconds: clean.S3_URL_TTL_SECONDS,
        }
      : undefined,
    chats: { maxGroupMembers: clean.MAX_GROUP_MEMBERS },
    friends: { autoAccept: clean.FRIENDS_AUTO_ACCEPT },
    sync: { enabled: clean.SYNC_ENABLED, retentionDays: clean.SYNC_RETENTION_DAYS },
    realtime: {
      heartbeatMs: clean.WS_HEARTBEAT_SECONDS * 1000,
      maxBufferedBytes: clean.WS_MAX_BUFFERED_BYTES,
      maxFrameBytes: clean.WS_MAX_FRAME_BYTES,
      rateLimit: clean.WS_RATE_LIMIT,
      maxSocketsPerUser: clean.WS_MAX_SOCKETS_PER_USER,
    },
    compat: { dialects: clean.COMPAT_DIALECTS, root: clean.COMPAT_ROOT },
    oauth: {
      publicUrl: clean.PUBLIC_URL?.replace(/\/+$/, ''),
      redirectOrigins: clean.OAUTH_REDIRECT_ORIGINS,
      timeoutMs: clean.OAUTH_TIMEOUT_MS,
      github: oauthApp('GITHUB'),
      fortyTwo: oauthApp('FORTYTWO'),
      oidc:
        clean.OIDC_ISSUER && clean.OIDC_CLIENT_ID && clean.OIDC_CLIENT_SECRET
          ? { issuer: clean.OIDC_ISSUER, clientId: clean.OIDC_CLIENT_ID, clientSecret: clean.OIDC_CLIENT_SECRET, name: clean.OIDC_NAME }
          : undefined,
    },
    rateLimits: {
      enabled: clean.RATE_LIMIT_ENABLED,
      loginPerIp: clean.RATE_LIMIT_LOGIN_PER_IP,
      loginPerAccount: clean.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      register: clean.RATE_LIMIT_REGISTER,
      passwordForgot: clean.RATE_LIMIT_PASSWORD_FORGOT,
      verifyResend: clean.RATE_LIMIT_VERIFY_RESEND,
      availability: clean.RATE_LIMIT_AVAILABILITY,
      codeCheck: clean.RATE_LIMIT_CODE_CHECK,
      twoFactor: clean.RATE_LIMIT_TWO_FACTOR,
      twoFactorSend: clean.RATE_LIMIT_TWO_FACTOR_SEND,
      oauthStart: clean.RATE_LIMIT_OAUTH_START,
      files: clean.RATE_LIMIT_FILES,
    },
  };
}
