/**
 * `npm run lint:openapi` (first step): builds the app, without listening, on a throwaway SQLite
 * database, and writes its OpenAPI document to `openapi.json` (or the path given), for
 * `redocly lint` to check.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const out = path.resolve(process.argv[2] ?? 'openapi.json');
await fs.mkdir(path.dirname(out), { recursive: true });
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openapi-'));
try {
  const app = await buildApp(
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATA_DIR: dir,
    }),
  );
  try {
    const res = await app.http.inject({ method: 'GET', url: '/openapi.json' });
    if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
    await fs.writeFile(out, `${JSON.stringify(res.json(), null, 2)}\n`);
    console.log(`${path.relative(process.cwd(), out)} written`);
  } finally {
    await app.close();
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
