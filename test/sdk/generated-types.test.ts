import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkTypesFile, sdkTypesSource } from '../../scripts/sdk-types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('the SDK REST types', () => {
  it('are generated from the OpenAPI document the server serves (npm run sdk:types rewrites them)', async () => {
    const document = (await (await server.request('/openapi.json')).json());
    const committed = await fs.readFile(sdkTypesFile, 'utf8');
    // Not toBe: a diff of half a megabyte helps nobody; the message says what to do.
    expect(committed === (await sdkTypesSource(document)), 'sdk/src/generated/api.ts is stale: run `npm run sdk:types` and commit it').toBe(true);
  });
});
