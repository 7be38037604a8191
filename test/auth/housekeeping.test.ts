import { describe, expect, it } from 'vitest';
import { login, registerUser } from '../helpers/accounts.js';
import { startTestServer, TestClock } from '../helpers/server.js';

describe('housekeeping', () => {
  it('deletes expired sessions and spent tokens, and keeps live ones', async () => {
    const clock = new TestClock();
    const server = await startTestServer({ clock });
    try {
      const db = server.app.database.db;
      const user = await registerUser(server);
      const old = await login(server, user);
      const refreshed = await server.request('/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: old.refreshToken } });
      expect(refreshed.status).toBe(200);

      clock.advance(31 * 86_400_000);
      const fresh = await login(server, user);
      await server.app.housekeeping.runOnce();

      const sessions = await db.selectFrom('sessions').select('id').execute();
      expect(sessions.map((s) => s.id)).toEqual([fresh.sessionId]);
      expect(await db.selectFrom('refresh_tokens').select('id').execute()).toHaveLength(1);
      // The verification token mailed at sign-up expired after a day, and is gone a day later.
      expect(await db.selectFrom('one_time_tokens').select('id').execute()).toHaveLength(0);
      expect((await server.request('/api/v1/users/me', { headers: { authorization: `Bearer ${fresh.accessToken}` } })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
