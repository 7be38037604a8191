import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { DEMO_PASSWORD, seedDemo } from './demo-data.js';

/**
 * `npm run screenshots`: the main screens of the web client, desktop and phone, light and dark,
 * into docs/screenshots/. A server on a fresh database in a temporary folder, filled with the demo
 * data, and Debian's Chromium (CHROMIUM_PATH elsewhere). Build the client first (`npm run build`).
 */
const out = path.resolve('docs/screenshots');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'screenshots-'));
const app = await buildApp(loadConfig({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '', S3_BUCKET: '', HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn' }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
try {
  const url = await app.listen();
  await seedDemo(url);
  await mkdir(out, { recursive: true });
  const screens = [
    { name: 'desktop', viewport: { width: 1280, height: 800 } },
    { name: 'phone', viewport: { width: 375, height: 780 } },
  ];
  for (const screen of screens) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ baseURL: url, viewport: screen.viewport, colorScheme, deviceScaleFactor: 1 });
      const page = await context.newPage();
      await signIn(page);
      await page.getByRole('link', { name: /Weekend hike/ }).click();
      await page.getByLabel('Messages', { exact: true }).getByText('That light!', { exact: false }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(out, `chat-${screen.name}-${colorScheme}.png`) });
      if (screen.name === 'phone') {
        await page.getByRole('link', { name: 'Back to chats' }).click();
        await page.getByRole('link', { name: /Weekend hike/ }).waitFor();
        await page.screenshot({ path: path.join(out, `chats-${screen.name}-${colorScheme}.png`) });
      } else {
        await page.getByRole('link', { name: 'People' }).click();
        await page.getByRole('region', { name: 'Friends' }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: path.join(out, `people-${screen.name}-${colorScheme}.png`) });
        await page.getByRole('link', { name: 'Posts' }).click();
        await page.getByText('Three evenings, three skies.', { exact: false }).waitFor();
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: path.join(out, `posts-${screen.name}-${colorScheme}.png`) });
      }
      await context.close();
    }
  }
  process.stdout.write(`Screenshots written to ${path.relative(process.cwd(), out)}/\n`);
} finally {
  await browser.close();
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Username or e-mail').fill('ada');
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}
