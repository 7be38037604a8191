import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/**
 * The OpenAPI document is the contract clients build on. It is compared, whole, with the one
 * committed in test/fixtures/openapi.json, so that a refactor cannot change a path, a schema or an
 * error response unnoticed. After an intended change, run `npx vitest run test/http/openapi-contract.test.ts -u`
 * and commit the new file with the change.
 */
describe('the OpenAPI document', () => {
  it('is the committed contract, to the letter', async () => {
    const res = await server.request('/openapi.json');
    expect(res.status).toBe(200);
    const document = (await res.json()) as { info: { version: string } };
    // The package version moves with releases, not with the contract.
    document.info.version = '(package version)';
    await expect(`${JSON.stringify(document, null, 2)}\n`).toMatchFileSnapshot('../fixtures/openapi.json');
  });
});
