import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { checkRootCollisions } from '../../src/modules/compat.js';
import { PASSWORD, problem, uniqueName } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { call } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { COMPAT_ROOT: '003' } });
});
afterAll(async () => {
  await server?.close();
});

describe('COMPAT_ROOT', () => {
  it('serves the dialect at the root as well, for clients with hard-coded paths; ours keep answering', async () => {
    const email = `${uniqueName('root')}@example.test`;
    expect((await call(server, '/api/register/', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(201);
    expect((await call(server, '/compat/003/api/token/', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200);
    expect((await call(server, '/api/token/', { method: 'POST', json: { email, password: PASSWORD } })).status).toBe(200);
    expect((await server.request('/api/v1/auth/login', { method: 'POST', json: { login: email, password: PASSWORD } })).status).toBe(200);
    // An unknown path at the root is still ours to answer.
    const unknown = await server.request('/no/such/path');
    expect((await problem(unknown)).code).toBe('not_found');
  });

  it('must name a dialect that is turned on', () => {
    expect(() => loadConfig({ COMPAT_DIALECTS: '003', COMPAT_ROOT: '000' })).toThrow(ConfigError);
    expect(() => loadConfig({ COMPAT_DIALECTS: '005' })).toThrow(ConfigError);
    expect(loadConfig({ COMPAT_DIALECTS: 'none' }).compat.dialects).toEqual([]);
    expect(loadConfig({ COMPAT_DIALECTS: '003,000,003' }).compat.dialects).toEqual(['003', '000']);
  });

  it('refuses at start-up a dialect whose paths would shadow ours', () => {
    expect(() => checkRootCollisions({ seed: 'x', roots: ['api/v1/users'] })).toThrow(/shadow \/api\/v1/);
    expect(() => checkRootCollisions({ seed: 'x', roots: ['docs'] })).toThrow(/shadow \/docs/);
    expect(() => checkRootCollisions({ seed: 'x', roots: ['api'] })).toThrow(/shadow/);
    expect(() => checkRootCollisions({ seed: 'x', roots: ['auth', 'api/token', 'users'] })).not.toThrow();
  });

  it('is off without the setting: the root has none of the dialect paths', async () => {
    const plain = await startTestServer();
    try {
      expect((await plain.request('/api/register/', { method: 'POST', json: {} })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
