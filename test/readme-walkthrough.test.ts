import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const run = promisify(execFile);

/** The shell block between the README's walk-through markers, as a newcomer would copy it. */
async function walkthrough(): Promise<string> {
  const readme = await fs.readFile(path.join(projectRoot, 'README.md'), 'utf8');
  const match = /<!-- walkthrough:start -->\s*```sh\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(readme);
  if (!match?.[1]) throw new Error('README.md has no walk-through between its markers');
  return match[1];
}

// A newcomer copies the README's first session into a shell: it must run, in order, on a fresh database.
describe('the README walk-through', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs as written with curl and jq against a real server, every request succeeding', async () => {
    const script = await walkthrough();
    // -e: any failing command (curl -f fails on a 4xx or 5xx) stops it with that status.
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, API: server.url },
      timeout: 60_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('{"seq":1,"text":"Saturday?"}');
    expect(lines).toContain('{"seq":2,"attachments":["image/jpeg"]}');
    expect(lines.find((l) => l.startsWith('{"types":'))).toMatch(/"message\.created","message\.created"/);
    expect(lines).toContain('{"text":"Sunset at the pier","likeCount":1,"commentCount":1}');
  }, 90_000);
});
