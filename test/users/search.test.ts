import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, problem } from '../helpers/accounts.js';
import { call, person, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

interface Found {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  friendship: string;
}
interface Page {
  items: Found[];
  nextCursor: string | null;
}

const search = (who: Person, query: string, extra = '') => call<Page>(server, who, 'GET', `/users?search=${encodeURIComponent(query)}${extra}`);

/** A person with these names; usernames share `tag` so each test sees only its own people. */
async function named(username: string, firstName = '', lastName = ''): Promise<Person> {
  const who = await person(server, username);
  if (firstName || lastName) expect((await call(server, who, 'PATCH', '/users/me', { firstName, lastName })).status).toBe(200);
  return who;
}

describe('user search', () => {
  it('matches usernames and names without regard to case: exact username first, then username prefixes, then first and last names', async () => {
    const tag = `q${randomBytes(3).toString('hex')}`;
    const viewer = await person(server);
    const longer = await named(`${tag}zz_longer`);
    const exact = await named(tag.toUpperCase());
    const byFirst = await named(`fn_${tag}_a`, `${tag}Ina`, 'Smith');
    const byLast = await named(`ln_${tag}_b`, 'Bob', `${tag.toUpperCase()}son`);
    await named(`other_${tag}`, 'Nobody', 'Else');

    const { status, body } = await search(viewer, tag.toUpperCase());
    expect(status).toBe(200);
    expect(body.items.map((f) => f.id)).toEqual([exact.id, longer.id, byFirst.id, byLast.id]);
    expect(body.items[0]).toMatchObject({ username: tag.toUpperCase(), friendship: 'none' });
    expect(JSON.stringify(body)).not.toContain('@example.test');
    expect(body.nextCursor).toBeNull();
  });

  it('matches a first and last name given together, in either order, with Unicode case folding', async () => {
    const tag = `u${randomBytes(3).toString('hex')}`;
    const viewer = await person(server);
    const zoe = await named(`${tag}_1`, 'Zoë', `Ångström${tag}`);
    await named(`${tag}_2`, 'Zoë', 'Other');
    expect((await search(viewer, `zoë ångström${tag}`)).body.items.map((f) => f.id)).toEqual([zoe.id]);
    expect((await search(viewer, `ÅNGSTRÖM${tag} ZO`)).body.items.map((f) => f.id)).toEqual([zoe.id]);
  });

  it('pages through every match exactly once', async () => {
    const tag = `p${randomBytes(3).toString('hex')}`;
    const viewer = await person(server);
    const people: Person[] = [];
    for (let i = 0; i < 5; i++) people.push(await named(`${tag}_${i}`));
    for (let i = 0; i < 3; i++) people.push(await named(`x${i}_${tag}`, `${tag}First${i}`));

    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: Page } = await search(viewer, tag, `&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((f) => f.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(people.map((p) => p.id));
  });

  it('leaves out people who block me and people I block', async () => {
    const tag = `b${randomBytes(3).toString('hex')}`;
    const viewer = await named(`${tag}_viewer`);
    const blocksMe = await named(`${tag}_blocker`);
    const blockedByMe = await named(`${tag}_blocked`);
    const friendly = await named(`${tag}_friendly`);
    expect((await call(server, blocksMe, 'PUT', `/blocks/${viewer.id}`)).status).toBe(204);
    expect((await call(server, viewer, 'PUT', `/blocks/${blockedByMe.id}`)).status).toBe(204);

    expect((await search(viewer, tag)).body.items.map((f) => f.id)).toEqual([friendly.id, viewer.id]);
    const outsider = await person(server);
    expect((await search(outsider, tag)).body.items).toHaveLength(4);
  });

  it('refuses a missing or overlong query, a bad limit and a forged cursor, and needs credentials', async () => {
    const viewer = await person(server);
    const bad = ['', '?search=', `?search=${'a'.repeat(101)}`, '?search=a&limit=0', '?search=a&limit=101', '?search=a&cursor=bm90LWpzb24', '?search=a&cursor=WzEsMl0', '?search=a&extra=1'];
    for (const query of bad) {
      const res = await server.request(`/api/v1/users${query}`, { headers: bearer(viewer.token) });
      expect(res.status, query).toBe(400);
      await problem(res);
    }
    expect((await server.request('/api/v1/users?search=a')).status).toBe(401);
  });
});
