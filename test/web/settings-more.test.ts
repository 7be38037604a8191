import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { bearer, login, uniqueName } from '../helpers/accounts.js';
import { startMailCatcher, type MailCatcher } from '../helpers/mail-catcher.js';
import { startOAuthProvider, type LocalOAuthProvider } from '../helpers/oauth-provider.js';
import type { TestServer } from '../helpers/server.js';
import { seriousViolations } from './axe.js';
import { newVisitor, PASSWORD, signUp, type Visitor } from './browser.js';
import { startWithMailAndProvider } from './provider-server.js';

let server: TestServer;
let browser: Browser;
let mail: MailCatcher;
let provider: LocalOAuthProvider;
let stop: () => Promise<void>;
beforeAll(async () => {
  mail = await startMailCatcher();
  provider = await startOAuthProvider();
  ({ server, browser, stop } = await startWithMailAndProvider({ SMTP_URL: mail.url, ...provider.env }));
});
afterAll(async () => {
  await stop?.();
  await provider?.close();
  await mail?.close();
});

const openSettings = (page: Page) => page.getByRole('link', { name: 'Settings', exact: true }).click();

/** Turns the authenticator app on through the API, as if done on another device; answers the app. */
async function withAuthenticator(username: string): Promise<TOTP> {
  const { accessToken } = await login(server, { username, password: PASSWORD });
  const setup = await server.request('/api/v1/auth/2fa/totp/setup', { method: 'POST', headers: bearer(accessToken), json: { password: PASSWORD } });
  const { secret } = (await setup.json()) as { secret: string };
  const app = new TOTP({ secret: Secret.fromBase32(secret) });
  const enable = await server.request('/api/v1/auth/2fa/totp/enable', { method: 'POST', headers: bearer(accessToken), json: { code: app.generate() } });
  expect(enable.status, await enable.clone().text()).toBe(200);
  return app;
}

/** Signs in through the page, giving `code` at the second step, and trusts this browser when `trust`. */
async function signInWithCode(visitor: Visitor, code: string, trust: boolean): Promise<void> {
  const { page } = visitor;
  await page.getByLabel('Username or e-mail').fill(visitor.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(code);
  if (trust) await page.getByLabel('Trust this browser for 30 days').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}


describe('more settings in the web client', () => {
  it('shows the new panels on a 375 px phone without sideways scrolling or serious accessibility findings', async () => {
    const kim = await newVisitor(browser, server.url, uniqueName('kim'), { width: 375, height: 740 });
    await signUp(kim);
    const { page } = kim;
    await openSettings(page);
    for (const name of ['E-mail address', 'Privacy', 'Trusted devices', 'Linked sign-in accounts']) await page.getByRole('region', { name }).waitFor();
    await page.getByRole('region', { name: 'Linked sign-in accounts' }).getByRole('button', { name: 'Link a GitHub account' }).waitFor();
    await page.getByRole('region', { name: 'Trusted devices' }).getByText('No trusted devices.').waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    expect(await seriousViolations(page)).toEqual([]);
    expect(kim.problems).toEqual([]);
    await kim.context.close();
  }, 60_000);

  it('forgets a trusted browser, so the next sign-in asks for the code again', async () => {
    const eve = await newVisitor(browser, server.url, uniqueName('eve'));
    await signUp(eve);
    const app = await withAuthenticator(eve.username);
    const { page } = eve;

    // The code that turned the app on is spent: the app shows the next one (one step of drift is allowed).
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInWithCode(eve, app.generate({ timestamp: Date.now() + 30_000 }), true);

    // Trusted now: signing in again skips the code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username or e-mail').fill(eve.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'New chat' }).waitFor();

    await openSettings(page);
    const panel = page.getByRole('region', { name: 'Trusted devices' });
    const devices = panel.getByRole('list', { name: 'Trusted devices' }).getByRole('listitem');
    await expect.poll(() => devices.count()).toBe(1);
    // Named the way a person knows it (the system part depends on the machine the test runs on).
    expect(await devices.first().textContent()).toContain('Chrome');
    await panel.getByRole('button', { name: /^Forget Chrome/ }).click();
    await panel.getByText('No trusted devices.').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Username or e-mail').fill(eve.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('textbox', { name: 'Code from your authenticator app' }).waitFor();

    expect(eve.problems).toEqual([]);
    await eve.context.close();
  }, 60_000);

  it('changes the e-mail address: a wrong password is refused, the current address cancels, and the mailed link confirms the new one', async () => {
    const fay = await newVisitor(browser, server.url, uniqueName('fay'), { width: 375, height: 740 });
    await signUp(fay);
    const { page } = fay;
    const newAddress = `${fay.username}.new@example.test`;

    await openSettings(page);
    const panel = page.getByRole('region', { name: 'E-mail address' });
    await panel.getByText(`${fay.username}@example.test`).first().waitFor();
    await panel.getByLabel('New e-mail').fill(newAddress);
    await panel.getByLabel('Your password').fill('not-my-password');
    await panel.getByRole('button', { name: 'Send the confirmation link' }).click();
    await expect.poll(() => panel.getByLabel('Your password').getAttribute('aria-invalid')).toBe('true');

    const requestChange = async (address: string) => {
      await panel.getByLabel('New e-mail').fill(address);
      await panel.getByLabel('Your password').fill(PASSWORD);
      await panel.getByRole('button', { name: 'Send the confirmation link' }).click();
    };
    await requestChange(newAddress);
    await panel.getByRole('status').getByText(newAddress).waitFor();
    // The first link has arrived, so the one to confirm with below is the second.
    await mail.waitForMail(newAddress);
    // Giving the current address again cancels the change.
    await requestChange(`${fay.username}@example.test`);
    await panel.getByRole('status').getByText('The change is cancelled').waitFor();
    expect(await panel.getByText('Waiting for confirmation').count()).toBe(0);

    const mailsBefore = mail.messages.length;
    await requestChange(newAddress);
    await panel.getByRole('status').getByText(newAddress).waitFor();

    // The link in the mail opens the client's page, which confirms it.
    const letter = await mail.waitForMail(newAddress, { after: mailsBefore });
    const link = /https?:\/\/\S+\/verify-email\?token=[^\s"<>]+/.exec(letter.text)?.[0];
    expect(link, letter.text).toBeTruthy();
    await page.goto(link!);
    await page.getByRole('status').getByText('Your address is confirmed.').waitFor();
    await page.getByRole('link', { name: 'Continue' }).click();

    await openSettings(page);
    await panel.getByText(newAddress).waitFor();
    expect(await panel.getByText('Waiting for confirmation').count()).toBe(0);

    expect(fay.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
    await fay.context.close();
  }, 60_000);

  it('lets only friends add me to groups, and the choice is still there after a reload', async () => {
    const gus = await newVisitor(browser, server.url, uniqueName('gus'));
    await signUp(gus);
    const { page } = gus;

    await openSettings(page);
    const panel = page.getByRole('region', { name: 'Privacy' });
    const choices = panel.getByRole('group', { name: 'Who may add me to groups' });
    expect(await choices.getByLabel('Everyone').isChecked()).toBe(true);
    // By keyboard: the arrow moves to the next choice and picks it.
    await choices.getByLabel('Everyone').focus();
    await page.keyboard.press('ArrowDown');
    await panel.getByRole('status').getByText('Saved').waitFor();
    expect(await choices.getByLabel('Only my friends').isChecked()).toBe(true);

    await page.reload();
    await choices.getByLabel('Only my friends').waitFor();
    expect(await choices.getByLabel('Only my friends').isChecked()).toBe(true);
    expect(await choices.getByLabel('Everyone').isChecked()).toBe(false);

    expect(gus.problems).toEqual([]);
    await gus.context.close();
  }, 60_000);

  it('signs in with a provider from the sign-in page and lists the linked account in settings', async () => {
    const handle = uniqueName('octo');
    provider.signInAs({ id: 4242, login: handle, name: 'Octo Cat', email: `${handle}@mail.example.test`, emailVerified: true });
    const hal = await newVisitor(browser, server.url, handle);
    const { page } = hal;

    await page.goto('/signin');
    await page.getByRole('link', { name: 'Continue with GitHub' }).click();
    await page.getByRole('button', { name: 'New chat' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');

    await openSettings(page);
    const panel = page.getByRole('region', { name: 'Linked sign-in accounts' });
    const accounts = panel.getByRole('list', { name: 'Linked accounts' }).getByRole('listitem');
    await expect.poll(() => accounts.count()).toBe(1);
    expect(await accounts.first().textContent()).toContain(`GitHub: ${handle}`);

    // It is this account's only way in: the server refuses, and says why.
    await panel.getByRole('button', { name: `Unlink GitHub account ${handle}` }).click();
    await panel.getByRole('alert').getByText(/only way to sign in/).waitFor();
    expect(await accounts.count()).toBe(1);

    expect(hal.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
    await hal.context.close();
  }, 60_000);

  it('links a provider account from settings and unlinks it again', async () => {
    const ivy = await newVisitor(browser, server.url, uniqueName('ivy'));
    await signUp(ivy);
    const { page } = ivy;
    const handle = uniqueName('ivygh');
    provider.signInAs({ id: 4343, login: handle, email: `${handle}@mail.example.test`, emailVerified: true });

    await openSettings(page);
    const panel = page.getByRole('region', { name: 'Linked sign-in accounts' });
    await panel.getByText('No linked accounts.').waitFor();
    await panel.getByRole('button', { name: 'Link a GitHub account' }).click();

    // Back from the provider, on the settings page, with the account listed.
    await page.waitForURL((url) => url.pathname === '/settings');
    await panel.getByRole('status').getByText('Your GitHub account is linked.').waitFor();
    const accounts = panel.getByRole('list', { name: 'Linked accounts' }).getByRole('listitem');
    await expect.poll(() => accounts.count()).toBe(1);
    expect(await accounts.first().textContent()).toContain(`GitHub: ${handle}`);

    // Someone else cannot link the same GitHub account to theirs: they are told, and find their way back.
    const jay = await newVisitor(browser, server.url, uniqueName('jay'));
    await signUp(jay);
    await openSettings(jay.page);
    await jay.page.getByRole('button', { name: 'Link a GitHub account' }).click();
    await jay.page.getByRole('alert').getByText(/linking did not finish\. That provider account is already linked to another account/).waitFor();
    await jay.page.getByRole('link', { name: 'Back to settings' }).click();
    await jay.page.getByRole('region', { name: 'Linked sign-in accounts' }).getByText('No linked accounts.').waitFor();

    // With a password there is another way in, so unlinking is allowed.
    await panel.getByRole('button', { name: `Unlink GitHub account ${handle}` }).click();
    await panel.getByText('No linked accounts.').waitFor();
    expect(await panel.getByRole('status').getByText('is linked').count()).toBe(0);

    expect(ivy.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
    await ivy.context.close();
    await jay.context.close();
  }, 60_000);
});
