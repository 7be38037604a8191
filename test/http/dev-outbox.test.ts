import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer.js';
import { passwordResetMail, verifyEmailMail } from '../../src/services/mail/templates.js';
import { OutboxRepository } from '../../src/store/outbox-repository.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

interface OutboxPage {
  items: Array<{ id: number; to: string; subject: string; text: string; html: string | null; createdAt: string; links: string[]; codes: string[] }>;
  nextCursor: string | null;
}

let server: TestServer;
let outbox: OutboxRepository;
let mailer: OutboxMailer;
let clock = Date.parse('2030-01-02T03:04:05.000Z');

beforeAll(async () => {
  server = await startTestServer();
  outbox = new OutboxRepository(server.app.database.db);
  mailer = new OutboxMailer({ outbox, log: () => {}, now: () => clock++ });
});
afterAll(() => server?.close());

async function page(query = ''): Promise<OutboxPage> {
  const res = await server.request(`/dev/outbox${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as OutboxPage;
}

describe('GET /dev/outbox', () => {
  it('is empty before any mail', async () => {
    expect(await page()).toEqual({ items: [], nextCursor: null });
  });

  it('lists mail newest first, with the links and codes of each', async () => {
    await mailer.send({ to: 'ann@example.test', ...verifyEmailMail({ username: 'ann', link: 'http://localhost:8000/verify?token=v1', token: 'v1', expiresInHours: 24 }) });
    await mailer.send({ to: 'ben@example.test', ...passwordResetMail({ username: 'ben', code: '314159', link: 'http://localhost:8000/reset?token=r1', expiresInMinutes: 30 }) });
    await mailer.send({ to: 'cat@example.test', subject: 'Plain', text: 'No links here.' });

    const { items, nextCursor } = await page();
    expect(nextCursor).toBeNull();
    expect(items.map((m) => m.to)).toEqual(['cat@example.test', 'ben@example.test', 'ann@example.test']);
    expect(items[0]).toMatchObject({ subject: 'Plain', text: 'No links here.', html: null, links: [], codes: [], createdAt: '2030-01-02T03:04:05.002Z' });
    expect(items[1]).toMatchObject({
      subject: 'Reset your Messenger password',
      links: ['http://localhost:8000/reset?token=r1'],
      codes: ['314159'],
      createdAt: '2030-01-02T03:04:05.001Z',
    });
    expect(items[1]!.html).toContain('314159');
    expect(items[2]).toMatchObject({ links: ['http://localhost:8000/verify?token=v1'], codes: [] });
    expect(items[0]!.id).toBeGreaterThan(items[1]!.id);
  });

  it('pages with limit and nextCursor', async () => {
    const first = await page('?limit=2');
    expect(first.items.map((m) => m.to)).toEqual(['cat@example.test', 'ben@example.test']);
    expect(first.nextCursor).toBe(String(first.items[1]!.id));

    const second = await page(`?limit=2&before=${first.nextCursor}`);
    expect(second.items.map((m) => m.to)).toEqual(['ann@example.test']);
    expect(second.nextCursor).toBeNull();

    // A page that ends exactly at the oldest mail has no next page either.
    const exact = await page(`?limit=1&before=${first.nextCursor}`);
    expect(exact.items.map((m) => m.to)).toEqual(['ann@example.test']);
    expect(exact.nextCursor).toBeNull();
  });

  it('returns 50 by default', async () => {
    for (let i = 0; i < 50; i++) await outbox.add({ to: `bulk${i}@example.test`, subject: `Bulk ${i}`, text: 'x' }, clock++);
    const { items, nextCursor } = await page();
    expect(items).toHaveLength(50);
    expect(items[0]!.subject).toBe('Bulk 49');
    expect(nextCursor).not.toBeNull();
    expect((await page(`?before=${nextCursor}`)).items).toHaveLength(3);
  });

  it.each([
    ['limit=0', 'limit', 'must be at least 1'],
    ['limit=101', 'limit', 'must be at most 100'],
    ['limit=ten', 'limit', 'must be a whole number written in decimal digits'],
    ['before=abc', 'before', 'must be a nextCursor from an earlier page'],
    ['before=0', 'before', 'must be a nextCursor from an earlier page'],
  ])('refuses %s with a 400 problem', async (query, field, message) => {
    const res = await server.request(`/dev/outbox?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field, message }] });
  });

  it('answers only clients on this machine: a request forwarded by a proxy is 404', async () => {
    // No trusted proxy: the peer is loopback, but the request came from elsewhere through a proxy.
    for (const headers of [{ 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }] as Array<Record<string, string>>) {
      const res = await server.request('/dev/outbox', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(404);
      expect((await res.json()) as { code: string }).toMatchObject({ code: 'not_found' });
    }
  });

  it('is 404 to a client at another address, unless DEV_OUTBOX_ENABLED is set', async () => {
    const fromElsewhere = { 'x-forwarded-for': '203.0.113.9' };
    const closed = await startTestServer({ env: { TRUST_PROXY: 'true' } });
    const open = await startTestServer({ env: { TRUST_PROXY: 'true', DEV_OUTBOX_ENABLED: 'true' } });
    try {
      const refused = await closed.request('/dev/outbox', { headers: fromElsewhere });
      expect(refused.status).toBe(404);
      await refused.arrayBuffer();
      const local = await closed.request('/dev/outbox');
      expect(local.status).toBe(200);
      await local.arrayBuffer();
      const allowed = await open.request('/dev/outbox', { headers: fromElsewhere });
      expect(allowed.status).toBe(200);
      expect(await allowed.json()).toEqual({ items: [], nextCursor: null });
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });

  it('is described in the API document', async () => {
    const doc = (await (await server.request('/openapi.json')).json()) as { paths: Record<string, { get?: { tags?: string[] } }> };
    expect(doc.paths['/dev/outbox']?.get?.tags).toEqual(['development']);
  });
});
