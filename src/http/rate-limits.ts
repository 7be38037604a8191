import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimitMetrics } from '../adapters/metrics.js';
import type { RateLimitRule } from '../config.js';
import { rateLimited } from '../services/errors.js';
import type { HttpServer } from './server.js';

/**
 * Per-client request limits on the routes that attract abuse (sign-up, password reset, probes).
 * Counters live in Redis when configured, so a limit holds across every node. Exceeding one
 * answers 429 problem+json with Retry-After.
 */
export async function registerRateLimits(
  app: HttpServer,
  options: { enabled: boolean; redis?: Redis; keyPrefix: string; metrics: RateLimitMetrics },
): Promise<void> {
  if (!options.enabled) return;
  const { metrics } = options;
  await app.register(rateLimit, {
    global: false,
    redis: options.redis,
    nameSpace: `${options.keyPrefix}rl:`,
    skipOnError: true,
    // Keys are `group:address` (limitPerClient): the group names the limit.
    onExceeded: (request, key) => metrics.rejected(key.slice(0, key.indexOf(':')), request.routeOptions.url ?? 'unmatched'),
    errorResponseBuilder: (_request, context) =>
      rateLimited(`Too many requests; try again in ${context.after}`, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}

/** Route config for one limit, keyed by client address within `group`. */
export function limitPerClient(rule: RateLimitRule, group: string) {
  return {
    rateLimit: {
      max: rule.max,
      timeWindow: rule.windowMs,
      keyGenerator: (request: FastifyRequest) => `${group}:${request.ip}`,
    },
  };
}
