import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import type { TestServer } from '../helpers/server.js';
import { imageLoaded, newVisitor, PASSWORD, signIn, signUp, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
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

  it('uploads a new picture, previewed before it is saved, so the avatar in the navigation changes; saves names and bio', async () => {
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

    // Names and bio are saved, and still there after a reload.
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('First name').fill('Robert');
    await profile.getByLabel('Bio').fill('Likes black squares');
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await profile.getByRole('status').getByText('Saved').waitFor();
    await page.reload();
    expect(await profile.getByLabel('First name').inputValue()).toBe('Robert');
    expect(await profile.getByLabel('Bio').inputValue()).toBe('Likes black squares');

    expect(bob.problems).toEqual([]);
    await bob.context.close();
  }, 60_000);

  it('ends another session, makes and revokes an access token, changes the password and deletes the account', async () => {
    const cat = await newVisitor(browser, server.url, uniqueName('cat'));
    await signUp(cat);
    const { page } = cat;
    // The same person on a second machine.
    const laptop = await newVisitor(browser, server.url, cat.username);
    await signIn(laptop);

    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const sessions = page.getByRole('region', { name: 'Sessions and devices' }).getByRole('list', { name: 'Sessions' }).getByRole('listitem');
    await expect.poll(() => sessions.count()).toBe(2);
    expect(await sessions.filter({ hasText: 'This browser' }).count()).toBe(1);
    await sessions.filter({ hasNotText: 'This browser' }).getByRole('button', { name: /^End the session/ }).click();
    await expect.poll(() => sessions.count()).toBe(1);
    await laptop.page.reload();
    await laptop.page.getByRole('button', { name: 'Sign in' }).waitFor();

    // A token for a script: shown once, it works until it is revoked.
    const tokens = page.getByRole('region', { name: 'Personal access tokens' });
    await tokens.getByLabel('Token name').fill('backup script');
    await tokens.getByLabel('Your password').fill(PASSWORD);
    await tokens.getByRole('button', { name: 'Create token' }).click();
    const token = await tokens.getByLabel('Your new token').inputValue();
    const asScript = () => fetch(`${server.url}/api/v1/users/me`, { headers: { authorization: `Token ${token}` } }).then((r) => r.status);
    expect(await asScript()).toBe(200);
    await tokens.getByRole('button', { name: 'Done' }).click();
    expect(await tokens.getByLabel('Your new token').count()).toBe(0);
    await tokens.getByRole('button', { name: 'Revoke backup script' }).click();
    await tokens.getByText('No tokens.').waitFor();
    expect(await asScript()).toBe(401);

    // A wrong current password is refused with the server's words; the right one changes it.
    const password = page.getByRole('region', { name: 'Password' });
    const NEW_PASSWORD = 'copper-lantern-82-mist';
    await password.getByLabel('Current password').fill('not-my-password');
    await password.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await password.getByLabel('Repeat the new password').fill('copper-lantern');
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('The two new passwords differ').waitFor();
    await password.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText('The two new passwords differ').waitFor({ state: 'detached' });
    await expect.poll(() => password.getByLabel('Current password').getAttribute('aria-invalid')).toBe('true');
    await password.getByLabel('Current password').fill(PASSWORD);
    await password.getByRole('button', { name: 'Change password' }).click();
    await password.getByText(/^Password changed\./).waitFor();

    // Deleting asks in a dialog that Escape closes; then the account is gone.
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await page.getByRole('button', { name: 'Delete my account…' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete my account…' }).click();
    await dialog.getByLabel('Your password').fill(NEW_PASSWORD);
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Username or e-mail').fill(cat.username);
    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();

    expect(cat.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
    await cat.context.close();
    await laptop.context.close();
  }, 60_000);

  it('logs out everywhere: this browser lands on sign-in and another one is signed out too', async () => {
    const dan = await newVisitor(browser, server.url, uniqueName('dan'));
    await signUp(dan);
    const phone = await newVisitor(browser, server.url, dan.username);
    await signIn(phone);

    await dan.page.getByRole('link', { name: 'Settings', exact: true }).click();
    await dan.page.getByRole('button', { name: 'Log out everywhere' }).click();
    await dan.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await dan.page.reload();
    await dan.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await phone.page.reload();
    await phone.page.getByRole('button', { name: 'Sign in' }).waitFor();

    expect(dan.problems).toEqual([]);
    await dan.context.close();
    await phone.context.close();
  }, 60_000);
});

