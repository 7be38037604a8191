import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import type { TestServer } from '../helpers/server.js';
import { newVisitor, signUp, startServerAndBrowser, type Visitor } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});

/** The open chat's messages. */
const messages = (visitor: Visitor) => visitor.page.getByLabel('Messages', { exact: true });

describe('the web client, in a real browser', () => {
  it('is served at / under its own content-security policy, and never answers for the API', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toMatch(/<div id="app">/);
    const deepLink = await fetch(`${server.url}/chats/12`, { headers: { accept: 'text/html' } });
    expect(deepLink.status).toBe(200);
    const api = await fetch(`${server.url}/api/v1/no-such-thing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('two people sign up, become friends and chat live: typing, receipts, a photo, and nothing lost or doubled offline', async () => {
    const ann = await newVisitor(browser, server.url, uniqueName('ann'));
    const bob = await newVisitor(browser, server.url, uniqueName('bob'));
    await signUp(ann);
    await signUp(bob);

    // Ann finds Bob and asks; Bob accepts.
    await ann.page.getByRole('link', { name: 'People' }).click();
    await ann.page.getByLabel('Find people by name').fill(bob.username);
    await ann.page.getByRole('button', { name: 'Search' }).click();
    await ann.page.getByRole('button', { name: 'Add friend' }).click();
    await ann.page.getByRole('button', { name: 'Cancel request' }).waitFor();
    await bob.page.getByRole('link', { name: 'People' }).click();
    await bob.page.getByRole('region', { name: 'Friend requests to you' }).getByRole('button', { name: 'Accept' }).click();
    await bob.page.getByRole('region', { name: 'Friends' }).getByText(ann.username).waitFor();

    // Ann opens the chat from her friends and writes; Bob sees it live, with an unread badge first.
    await ann.page.reload();
    await ann.page.getByRole('region', { name: 'Friends' }).getByRole('button', { name: 'Message' }).click();
    await ann.page.getByLabel('Message', { exact: true }).fill('Hello Bob!');
    await ann.page.keyboard.press('Enter');
    await bob.page.getByRole('link', { name: /^Chats/ }).click();
    const chatLink = bob.page.getByRole('link', { name: new RegExp(ann.username) });
    await expect.poll(() => chatLink.textContent()).toMatch(/Hello Bob!/);
    await expect.poll(() => chatLink.getByLabel('1 unread').count()).toBe(1);
    await chatLink.click();
    await messages(bob).getByText('Hello Bob!').waitFor();
    // Ann sees that Bob read it, live, and still after reloading the page.
    await messages(ann).getByText('· Seen').waitFor();
    await ann.page.reload();
    await messages(ann).getByText('· Seen').waitFor();

    // Bob types; Ann sees it.
    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('Hi A');
    await ann.page.getByRole('region', { name: `Chat with ${bob.username}` }).getByText(`${bob.username} is typing…`).waitFor();
    await bob.page.keyboard.press('Enter');
    await messages(ann).getByText('Hi A', { exact: true }).waitFor();

    // A photo, chosen with the file picker.
    await ann.page.locator('input[type=file]').setInputFiles({ name: 'dot.png', mimeType: 'image/png', buffer: blackPng(40, 30) });
    const photo = bob.page.getByRole('img', { name: 'dot.png' });
    await photo.waitFor();
    expect(await photo.getAttribute('width')).toBe('40');

    // Bob goes offline: Ann's message waits for him, his own waits in his queue; back online, each arrives once.
    await bob.context.setOffline(true);
    await bob.page.evaluate("dispatchEvent(new Event('offline'))");
    await bob.page.getByText(/Reconnecting|Disconnected|Catching up/).waitFor({ timeout: 30_000 });
    await ann.page.getByLabel('Message', { exact: true }).fill('While you were away');
    await ann.page.keyboard.press('Enter');
    await bob.page.getByLabel('Message', { exact: true }).fill('Sent from the tunnel');
    await bob.page.keyboard.press('Enter');
    await messages(bob).getByText('Sending…').waitFor();
    await bob.context.setOffline(false);
    await bob.page.evaluate("dispatchEvent(new Event('online'))");
    await messages(bob).getByText('While you were away').waitFor({ timeout: 30_000 });
    await messages(ann).getByText('Sent from the tunnel').waitFor({ timeout: 30_000 });
    await messages(bob).getByText('Sending…').waitFor({ state: 'detached' });
    expect(await messages(bob).getByText('While you were away').count()).toBe(1);
    expect(await messages(bob).getByText('Sent from the tunnel').count()).toBe(1);
    expect(await messages(ann).getByText('Sent from the tunnel').count()).toBe(1);

    expect(ann.problems).toEqual([]);
    expect(bob.problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(p))).toEqual([]);
    await ann.context.close();
    await bob.context.close();
  }, 90_000);
});
