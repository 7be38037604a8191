import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/accounts.js';
import { direct, person, send } from '../helpers/chats.js';
import { usesPostgres } from '../helpers/environment.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sleep } from '../helpers/wait.js';
import { TestSocket } from '../helpers/ws.js';

// What an operator sees move on /metrics when people use the service: each test does what a
// user would, then scrapes.

/** The samples of one scrape: `name{labels}` (labels as Prometheus prints them) → value. */
async function scrape(server: TestServer): Promise<Map<string, number>> {
  const res = await server.request('/metrics');
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Scrapes until `series` reaches at least `atLeast` (events cross the bus, mail is sent after the answer). */
async function eventually(server: TestServer, series: string, atLeast: number, timeoutMs = 5000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(server);
    if ((samples.get(series) ?? 0) >= atLeast) return samples;
    if (Date.now() > deadline) throw new Error(`${series} is ${samples.get(series)}, expected at least ${atLeast}`);
    await sleep(25);
  }
}

const value = (samples: Map<string, number>, series: string) => samples.get(series) ?? 0;

describe('metrics of one server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { WS_RATE_LIMIT: '5/10s' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('count sockets: open now, opened, closed by code, frames each way', async () => {
    const before = await scrape(server);
    expect(before.get('ws_connections{protocol="api-v1"}')).toBe(0);
    const ann = await person(server);
    const socket = await TestSocket.open(server, { token: ann.token });

    let samples = await scrape(server);
    expect(samples.get('ws_connections{protocol="api-v1"}')).toBe(1);
    expect(value(samples, 'ws_connections_opened_total{protocol="api-v1"}')).toBe(value(before, 'ws_connections_opened_total{protocol="api-v1"}') + 1);
    // The `ready` frame.
    const sentAfterReady = value(samples, 'ws_frames_sent_total{protocol="api-v1"}');
    expect(sentAfterReady).toBeGreaterThanOrEqual(1);

    socket.send({ type: 'ping' });
    await socket.next((f) => f.type === 'pong', 'the pong');
    samples = await scrape(server);
    expect(value(samples, 'ws_frames_received_total{protocol="api-v1"}')).toBe(value(before, 'ws_frames_received_total{protocol="api-v1"}') + 1);
    expect(value(samples, 'ws_frames_sent_total{protocol="api-v1"}')).toBe(sentAfterReady + 1);

    await socket.close();
    samples = await eventually(server, 'ws_connections_closed_total{protocol="api-v1",code="1005"}', 1);
    expect(samples.get('ws_connections{protocol="api-v1"}')).toBe(0);
  });

  it('count events delivered to sockets, the frames written for them, and the bus traffic that carried them', async () => {
    const [ann, bob] = [await person(server), await person(server)];
    const chat = await direct(server, ann, bob);
    const [annSocket, bobSocket] = [await TestSocket.open(server, { token: ann.token }), await TestSocket.open(server, { token: bob.token })];
    try {
      const before = await scrape(server);
      await send(server, ann, chat.id, 'hello');
      await bobSocket.next((f) => f.type === 'message.created', 'the message on the socket');
      await annSocket.next((f) => f.type === 'message.created', 'the message on the sender socket');
      // With REDIS_URL the event went out to Redis and came back to this node's subscriber.
      const deliveredBefore = value(before, 'ws_events_delivered_total{type="message.created"}');
      const samples = await eventually(server, 'ws_events_delivered_total{type="message.created"}', deliveredBefore + 1);
      // One event, one frame to each member's socket.
      expect(value(samples, 'ws_event_frames_total{type="message.created"}')).toBe(value(before, 'ws_event_frames_total{type="message.created"}') + 2);
      expect(value(samples, 'bus_published_total{topic="deliver"}')).toBeGreaterThan(value(before, 'bus_published_total{topic="deliver"}'));
      expect(value(samples, 'bus_received_total{topic="deliver"}')).toBeGreaterThan(value(before, 'bus_received_total{topic="deliver"}'));
    } finally {
      await annSocket.close();
      await bobSocket.close();
    }
  });

  it('count a socket closed for its frame rate as a rate-limit rejection and a 4029 close', async () => {
    const ann = await person(server);
    const socket = await TestSocket.open(server, { token: ann.token });
    for (let i = 0; i < 6; i++) socket.send({ type: 'ping' });
    expect((await socket.closed).code).toBe(4029);
    const samples = await eventually(server, 'ws_connections_closed_total{protocol="api-v1",code="4029"}', 1);
    expect(samples.get('rate_limit_rejections_total{limit="ws-frames",route="api-v1"}')).toBe(1);
  });

  it('count mail queued and sent, and read the queue depth', async () => {
    const before = await scrape(server);
    await registerUser(server);
    const samples = await eventually(server, 'mail_sent_total', value(before, 'mail_sent_total') + 1);
    expect(value(samples, 'mail_queued_total')).toBe(value(before, 'mail_queued_total') + 1);
    expect(samples.get('mail_failed_total')).toBe(0);
    expect(samples.get('mail_queue_depth')).toBe(0);
  });

  it('count database statements, and on PostgreSQL read the pool', async () => {
    const engine = usesPostgres ? 'postgres' : 'sqlite';
    const before = value(await scrape(server), `db_queries_total{engine="${engine}"}`);
    await person(server);
    const samples = await scrape(server);
    expect(value(samples, `db_queries_total{engine="${engine}"}`)).toBeGreaterThan(before);
    if (usesPostgres) {
      expect(samples.get('db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(samples.get('db_pool_connections')).toBeLessThanOrEqual(4);
      expect(samples.get('db_pool_idle_connections')).toBeGreaterThanOrEqual(0);
      expect(samples.get('db_pool_waiting_requests')).toBe(0);
    } else {
      expect(samples.has('db_pool_connections')).toBe(false);
    }
  });
});

describe('rate-limit rejections', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_LOGIN_PER_IP: '3/1m', RATE_LIMIT_LOGIN_PER_ACCOUNT: '1/1m' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('count the limit that refused and the route, per client address and per account', async () => {
    const user = await registerUser(server);
    const wrong = { login: user.username, password: 'not-the-password-1' };
    // The account's limit: one failure, then the next try is refused.
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: wrong })).status).toBe(401);
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: wrong })).status).toBe(429);
    let samples = await scrape(server);
    expect(samples.get('rate_limit_rejections_total{limit="login-per-account",route="/api/v1/auth/login"}')).toBe(1);
    expect(samples.has('rate_limit_rejections_total{limit="login",route="/api/v1/auth/login"}')).toBe(false);

    // The address's limit: three logins a minute, the fourth refused.
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: wrong })).status).toBe(429);
    const refused = await server.request('/api/v1/auth/login', { method: 'POST', json: wrong });
    expect(refused.status).toBe(429);
    samples = await scrape(server);
    expect(samples.get('rate_limit_rejections_total{limit="login",route="/api/v1/auth/login"}')).toBe(1);
    expect(samples.get('http_requests_total{method="POST",route="/api/v1/auth/login",status_code="429"}')).toBe(3);
  });
});

describe('mail that fails', () => {
  it('counts it, and the queue drains', async () => {
    // A port nothing listens on: the SMTP connection is refused.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const server = await startTestServer({ env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
    try {
      await registerUser(server);
      const samples = await eventually(server, 'mail_failed_total', 1);
      expect(samples.get('mail_queued_total')).toBe(1);
      expect(samples.get('mail_sent_total')).toBe(0);
      expect(samples.get('mail_queue_depth')).toBe(0);
    } finally {
      await server.close();
    }
  });
});
