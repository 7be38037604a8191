import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/services/error-codes.js';
import { errorCatalogueMarkdown } from '../src/services/error-catalogue.js';
import { projectRoot } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('error catalogue', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('docs/ERRORS.md is what the registry says (npm run docs:errors rewrites it)', async () => {
    const written = await fs.readFile(path.join(projectRoot, 'docs/ERRORS.md'), 'utf8');
    expect(written).toBe(errorCatalogueMarkdown());
  });

  it('the API reference lists every code with its statuses', async () => {
    const doc = (await (await server.request('/openapi.json')).json()) as { info: { description: string } };
    const missing = Object.entries(ERROR_CODES)
      .filter(([code, entry]) => !doc.info.description.includes(`| \`${code}\` | ${entry.statuses.join(', ')} |`))
      .map(([code]) => code);
    expect(missing).toEqual([]);
  });
});
