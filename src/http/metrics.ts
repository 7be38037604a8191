import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.js';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * `/metrics`: the app's registry (the process, sockets, bus, mail, database and rate limits; see
 * `adapters/prometheus.ts`), to which this adds requests by route pattern and status and a
 * latency histogram.
 */
export function registerMetrics(app: FastifyInstance, options: { token?: string; registry: Registry }): void {
  const { registry } = options;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    // Route patterns, never raw URLs: unmatched paths share one label so cardinality stays bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status_code: reply.statusCode });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        reply.header('www-authenticate', 'Bearer');
        return sendProblem(request, reply, { status: 401, code: 'unauthorized', detail: 'A valid metrics token is required' });
      }
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
