import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

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

  it('parses lists and flags', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example', TRUST_PROXY: '10.0.0.0/8,127.0.0.1' });
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
  });
});
