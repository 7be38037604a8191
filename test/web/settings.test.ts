import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ensureWebClientBuilt, imageLoaded, launchBrowser, newVisitor, PASSWORD, signUp } from './browser.js';

let server: TestServer;
let browser: Browser;
beforeAll(async () => {
  ensureWebClientBuilt();
  server = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('settings in the web client', () => {
  it('turns on the authenticator app: QR code and key, recovery codes once, then sign-in asks for a code', async () => {
    const ann = await newVisitor(browser, server.url, uniqueName('ann'));
    await signUp(ann);
    const { page } = ann;

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Two-step sign-in' });
    await panel.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await panel.getByLabel('Your password').fill(PASSWORD);
    await panel.getByRole('button', { name: 'Continue' }).click();

    // The QR code loads (the session cookie goes with it) and the key is there to type in.
    const qr = panel.getByRole('img', { name: 'QR code for your authenticator app' });
    await expect.poll(() => imageLoaded(qr)).toBe(true);
    const secret = await panel.getByLabel('Or type this key into the app').inputValue();
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    const app = new TOTP({ secret: Secret.fromBase32(secret) });

    await panel.getByLabel('Code from the app').fill(app.generate());
    await panel.getByRole('button', { name: 'Turn on' }).click();
    const codes = panel.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await expect.poll(() => codes.count()).toBe(10);
    await panel.getByRole('button', { name: 'I saved them' }).click();
    await expect.poll(() => codes.count()).toBe(0);
    expect(await panel.getByText('Recovery codes left').count()).toBe(1);

    // Signing in again now takes a code from the app.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username or e-mail').fill(ann.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The code that turned it on is spent: the app shows the next one (one step of drift is allowed).
    await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(app.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'New chat' }).waitFor();

    expect(ann.problems).toEqual([]);
    await ann.context.close();
  }, 60_000);

  it('uploads a new picture, previewed before it is saved; the avatar in the navigation changes', async () => {
    const bob = await newVisitor(browser, server.url, uniqueName('bob'));
    await signUp(bob);
    const { page } = bob;
    const navAvatar = page.getByRole('link', { name: `Signed in as ${bob.username}` }).locator('img');
    const before = await navAvatar.getAttribute('src');

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const panel = page.getByRole('region', { name: 'Picture' });
    await panel.getByLabel('Choose a picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: blackPng(300, 200) });
    const preview = panel.getByRole('img', { name: 'The picture you chose' });
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);
    await panel.getByRole('button', { name: 'Save picture' }).click();

    await expect.poll(() => navAvatar.getAttribute('src')).not.toBe(before);
    expect(await imageLoaded(navAvatar)).toBe(true);
    await preview.waitFor({ state: 'detached' });

    // And back to the generated one.
    const uploaded = await navAvatar.getAttribute('src');
    await panel.getByRole('button', { name: 'Use the generated picture' }).click();
    await expect.poll(() => navAvatar.getAttribute('src')).not.toBe(uploaded);

    expect(bob.problems).toEqual([]);
    await bob.context.close();
  }, 60_000);
});
