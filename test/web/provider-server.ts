import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ensureWebClientBuilt, launchBrowser } from './browser.js';

/** A loopback port free right now, so APP_URL can name the server before it listens. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A server whose APP_URL is its own origin, with `env` added (mail, providers), and Chromium: the
 * links it mails and the provider flows it ends come back to the web client it serves.
 */
export async function startWithMailAndProvider(env: Record<string, string>): Promise<{ server: TestServer; browser: Browser; stop: () => Promise<void> }> {
  ensureWebClientBuilt();
  const port = await freePort();
  const server = await startTestServer({ env: { ...env, PORT: String(port), APP_URL: `http://127.0.0.1:${port}` } });
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  return {
    server,
    browser,
    stop: async () => {
      await browser.close();
      await server.close();
    },
  };
}
