import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../helpers/environment.js';
import { startServerProcess } from '../helpers/process.js';

const environments: TestEnvironment[] = [];
afterEach(async () => {
  while (environments.length) await environments.pop()?.cleanup();
});

/** The warnings a real server process logs while starting with these settings. */
async function warningsAtStart(settings: Record<string, string>): Promise<string[]> {
  const environment = await createTestEnvironment(settings);
  environments.push(environment);
  const server = await startServerProcess('src/main.ts', environment.env);
  try {
    return server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40)
      .map((entry) => entry.msg);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

const secret = () => randomBytes(32).toString('hex');

describe('start-up warnings', () => {
  it('warn when a development server listens beyond this machine', async () => {
    const warnings = await warningsAtStart({ NODE_ENV: 'development', HOST: '0.0.0.0' });
    expect(warnings).toEqual([expect.stringMatching(/^NODE_ENV is development and HOST is 0\.0\.0\.0: .*reachable from other machines/)]);
  });

  it('say nothing of a development server on loopback', async () => {
    expect(await warningsAtStart({ NODE_ENV: 'development', HOST: '127.0.0.1' })).toEqual([]);
  });

  it('warn when /metrics is public in production', async () => {
    const warnings = await warningsAtStart({ NODE_ENV: 'production', HOST: '0.0.0.0', AUTH_SECRET: secret() });
    expect(warnings).toEqual([expect.stringMatching(/^METRICS_TOKEN is unset: anyone .* can read \/metrics/)]);
  });

  it('say nothing of a production server with a metrics token', async () => {
    expect(await warningsAtStart({ NODE_ENV: 'production', HOST: '0.0.0.0', AUTH_SECRET: secret(), METRICS_TOKEN: secret() })).toEqual([]);
  });
});
