import { randomText } from './environment.js';

const UNLIMITED = '999999/1m';

/**
 * The server settings of the real-time benchmarks (bench:realtime, bench:cluster): production
 * mode, quiet logs, cheap password hashing and no limit that would refuse the load they make.
 */
export function realtimeBenchSettings(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    AUTH_SECRET: randomText(48),
    // Logins are not measured and thousands of accounts must be made: the cheapest hashing allowed.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
    RATE_LIMIT_REGISTER: UNLIMITED,
    // 999999 is the largest count the configuration accepts; the default (50/10s) would close the
    // senders' sockets at once.
    WS_RATE_LIMIT: '999999/10s',
    // Slow-ish clients are kept; only one truly stuck is dropped (4008, counted as loss).
    WS_MAX_BUFFERED_BYTES: String(16 * 1024 * 1024),
    // Tokens are handed out once at the start and must outlive the run.
    ACCESS_TOKEN_TTL_SECONDS: '3600',
  };
}
