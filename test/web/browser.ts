import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Debian's Chromium: Playwright's own browser download is not used. CHROMIUM_PATH overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the web client when it has not been built (CI builds it in a step of its own). */
export function ensureWebClientBuilt(): void {
  if (existsSync(fileURLToPath(new URL('../../web/dist/index.html', import.meta.url)))) return;
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: 'ignore' });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** A person with their own browser profile (cookies, storage), as two people on two machines. */
export interface Visitor {
  context: BrowserContext;
  page: Page;
  username: string;
  /** Console errors and failed requests the page saw: a page that works has none. */
  problems: string[];
}

export async function newVisitor(browser: Browser, baseUrl: string, username: string, viewport = { width: 1280, height: 800 }): Promise<Visitor> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, username, problems };
}

export { PASSWORD } from '../helpers/accounts.js';
import { PASSWORD } from '../helpers/accounts.js';

/** Signs up through the page, as a person would, and lands on the chats. */
export async function signUp(visitor: Visitor): Promise<void> {
  const { page, username } = visitor;
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('E-mail').fill(`${username}@example.test`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}

/** Signs in through the page. */
export async function signIn(visitor: Visitor): Promise<void> {
  const { page, username } = visitor;
  await page.goto('/signin');
  await page.getByLabel('Username or e-mail').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}

/** A post in the page, by its author's name as shown. */
export const postBy = (visitor: Visitor, author: string) => visitor.page.getByRole('article', { name: `Post by ${author}` });

/** Whether an image has loaded a picture: a broken or refused one has no natural size. */
export const imageLoaded = (image: Locator): Promise<boolean> => image.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0);

/**
 * A real server (on a fresh database) and Chromium for one test file: started before its tests
 * (the client built first if it is not), stopped after; `use` receives them.
 */
export function startServerAndBrowser(use: (server: TestServer, browser: Browser) => void): void {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensureWebClientBuilt();
    server = await startTestServer();
    browser = await launchBrowser();
    use(server, browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
}
