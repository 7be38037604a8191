import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { wantsPrettyLogs } from '../src/http/log-format.js';

describe('configuration', () => {
  it('has working defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.dataDir).toMatch(/data$/);
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }).port).toBe(8000);
  });

  it.each([
    ['PORT', 'abc', 'PORT: expected an integer from 0 to 65535, got "abc"'],
    ['PORT', '70000', 'PORT: expected an integer from 0 to 65535, got "70000"'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    ['REDIS_URL', 'http://x', 'REDIS_URL: expected a redis:// or rediss:// URL'],
    ['TRUST_PROXY', 'maybe', 'TRUST_PROXY: expected true, false, a hop count or a list of addresses, got "maybe"'],
    ['DATABASE_SCHEMA', 'Robert); drop', 'DATABASE_SCHEMA: expected a lower-case PostgreSQL schema name, got "Robert); drop"'],
    ['DOCS_ENABLED', 'perhaps', 'DOCS_ENABLED: expected true or false, got "perhaps"'],
    ['S3_BUCKET', 'My_Bucket', 'S3_BUCKET: expected an S3 bucket name (3-63 lower-case letters, digits, . and -), got "My_Bucket"'],
    ['S3_ENDPOINT', 'ftp://store', 'S3_ENDPOINT: expected a http:// or https:// URL'],
  ])('refuses %s=%s with one line naming the variable', (name, value, message) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(message);
    expect((error as ConfigError).variable).toBe(name);
  });

  it('stores files on disk unless a bucket is named, and wants both S3 keys or neither', () => {
    expect(loadConfig({}).s3).toBeUndefined();
    const config = loadConfig({ S3_BUCKET: 'media', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(config.s3).toEqual({ bucket: 'media', region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, accessKeyId: undefined, secretAccessKey: undefined, urlTtlSeconds: 300 });
    expect(() => loadConfig({ S3_BUCKET: 'media', S3_ACCESS_KEY_ID: 'AKIA' })).toThrow('S3_SECRET_ACCESS_KEY: is required with the other S3 key');
    expect(() => loadConfig({ S3_BUCKET: 'media', S3_SECRET_ACCESS_KEY: 'x' })).toThrow('S3_ACCESS_KEY_ID: is required with the other S3 key');
  });

  it('parses lists and flags', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example', TRUST_PROXY: '10.0.0.0/8,127.0.0.1' });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });

  it('logs JSON unless asked for readable lines, or in development on a terminal; never pretty in production', () => {
    expect(loadConfig({}).logFormat).toBe('auto');
    expect(wantsPrettyLogs(loadConfig({}), true)).toBe(true);
    expect(wantsPrettyLogs(loadConfig({}), false)).toBe(false);
    expect(wantsPrettyLogs(loadConfig({ NODE_ENV: 'test' }), true)).toBe(false);
    expect(wantsPrettyLogs(loadConfig({ LOG_FORMAT: 'json' }), true)).toBe(false);
    expect(wantsPrettyLogs(loadConfig({ NODE_ENV: 'test', LOG_FORMAT: 'pretty' }), false)).toBe(true);
    const production = { NODE_ENV: 'production', AUTH_SECRET: 'x'.repeat(32) };
    expect(wantsPrettyLogs(loadConfig(production), true)).toBe(false);
    expect(() => loadConfig({ ...production, LOG_FORMAT: 'pretty' })).toThrow('LOG_FORMAT: pretty is for development; production logs are JSON');
  });
});
