import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountsModule } from '../../src/modules/accounts.js';
import { PASSWORD, problem } from '../helpers/accounts.js';
import { call, person, type Person } from '../helpers/chats.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let accounts: AccountsModule;
beforeAll(async () => {
  server = await startTestServer({
    extraModules: (built) => {
      accounts = built.accounts;
      return [];
    },
  });
});
afterAll(() => server?.close());

/**
 * A signed-in person whose account has no password, as a later sign-in method (OAuth) will make
 * them: written in the database, and the cached user dropped as any write through the store does.
 */
async function withoutPassword(): Promise<Person> {
  const who = await person(server);
  await server.app.database.db.updateTable('users').set({ password_hash: null }).where('id', '=', who.id).execute();
  await accounts.users.invalidate(who.id);
  return who;
}

describe('an account without a password', () => {
  it('shows no sign-in method, and no password signs it in', async () => {
    const ada = await withoutPassword();
    expect((await call<{ signInMethods: string[] }>(server, ada, 'GET', '/users/me')).body.signInMethods).toEqual([]);
    const res = await server.request('/api/v1/auth/login', { method: 'POST', json: { login: ada.username, password: PASSWORD } });
    expect(res.status).toBe(401);
    expect((await problem(res)).code).toBe('invalid_credentials');
  });

  it('changes its e-mail address without a current password, but has none to confirm a new password or token with', async () => {
    const ada = await withoutPassword();
    const moved = await call<{ pendingEmail: string | null }>(server, ada, 'PATCH', '/users/me', { email: `moved.${ada.email}` });
    expect(moved.status).toBe(200);
    expect(moved.body.pendingEmail).toBe(`moved.${ada.email}`);

    const change = await call<{ code: string }>(server, ada, 'POST', '/auth/password/change', { currentPassword: PASSWORD, newPassword: 'a-brand-new-secret-9' });
    expect(change.status).toBe(400);
    expect(change.body.code).toBe('wrong_password');
    const token = await call<{ code: string }>(server, ada, 'POST', '/auth/tokens', { name: 'ci', password: PASSWORD });
    expect(token.status).toBe(400);
    expect(token.body.code).toBe('wrong_password');
  });

  it('is deleted without a password', async () => {
    const ada = await withoutPassword();
    expect((await call(server, ada, 'DELETE', '/users/me', {})).status).toBe(204);
    expect((await call(server, ada, 'GET', '/users/me')).status).toBe(401);
  });
});
