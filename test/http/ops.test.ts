import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { usesRedis } from '../helpers/environment.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('operations endpoints', () => {
  it('/health says the process is up', async () => {
    const res = await server.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/ready checks the database, and Redis when configured', async () => {
    const res = await server.request('/ready');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe('ok');
    if (usesRedis) expect(body.checks.redis).toBe('ok');
    else expect(body.checks.redis).toBeUndefined();
  });

  it('/metrics counts requests by route pattern and status, with latency and process metrics', async () => {
    await server.request('/health');
    await server.request('/no/such/route');
    const res = await server.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="unmatched",status_code="404"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health"\}/);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('/openapi.json is an OpenAPI 3.1 document generated from the routes', async () => {
    const res = await server.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; info: { title: string } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBeTruthy();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
  });

  it('/docs serves an interactive reference page that loads the document', async () => {
    const res = await server.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    const init = await server.request('/docs/static/swagger-initializer.js');
    expect(init.status).toBe(200);
    expect(await init.text()).toContain("resolveUrl('./json')");
    const docJson = (await (await server.request('/docs/json')).json()) as { openapi: string };
    expect(docJson.openapi).toBe('3.1.0');
    const bundle = await server.request('/docs/static/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
  });

  it('sets security headers on API responses', async () => {
    const res = await server.request('/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('readiness when a dependency is down', () => {
  it('answers 503 naming Redis when Redis cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there.
    const down = await startTestServer({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const res = await down.request('/ready');
      expect(res.status).toBe(503);
      const body = (await res.json()) as { code: string; checks: Record<string, string> };
      expect(body.code).toBe('not_ready');
      expect(body.checks).toEqual({ database: 'ok', redis: 'unreachable' });
      expect((await down.request('/health')).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  it('answers 503 naming the database when it is closed', async () => {
    const broken = await startTestServer();
    try {
      await broken.app.database.close();
      const res = await broken.request('/ready');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { checks: Record<string, string> }).checks.database).toBe('unreachable');
    } finally {
      await broken.close();
    }
  });
});

describe('metrics token', () => {
  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const guarded = await startTestServer({ env: { METRICS_TOKEN: 'a-long-metrics-token-123' } });
    try {
      expect((await guarded.request('/metrics')).status).toBe(401);
      expect((await guarded.request('/metrics', { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      const ok = await guarded.request('/metrics', { headers: { authorization: 'Bearer a-long-metrics-token-123' } });
      expect(ok.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
