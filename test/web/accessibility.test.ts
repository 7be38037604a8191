import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { uniqueName } from '../helpers/accounts.js';
import type { TestServer } from '../helpers/server.js';
import { seriousViolations } from './axe.js';
import { newVisitor, PASSWORD, signUp, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});


describe('accessibility of the main screens (axe-core)', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious violations on sign-in, sign-up, chats, a chat and people, in ${colorScheme} mode`, async () => {
      const visitor = await newVisitor(browser, server.url, uniqueName('axe'));
      await visitor.page.emulateMedia({ colorScheme });
      const { page } = visitor;
      await page.goto('/signin');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await seriousViolations(page), 'sign-in').toEqual([]);
      await page.goto('/signup');
      await page.getByRole('button', { name: 'Create account' }).waitFor();
      expect(await seriousViolations(page), 'sign-up').toEqual([]);
      await signUp(visitor);
      expect(await seriousViolations(page), 'chats').toEqual([]);
      // Someone asks to be friends; accepted in People, a chat with them, with a message and a reply in it.
      const friend = uniqueName('axe');
      await server.request('/api/v1/auth/register', { method: 'POST', json: { username: friend, email: `${friend}@example.test`, password: PASSWORD, passwordConfirm: PASSWORD } });
      const { accessToken } = (await (await server.request('/api/v1/auth/login', { method: 'POST', json: { login: friend, password: PASSWORD } })).json()) as { accessToken: string };
      const auth = { authorization: `Bearer ${accessToken}` };
      const found = (await (await server.request(`/api/v1/users?search=${visitor.username}`, { headers: auth })).json()) as { items: Array<{ id: number }> };
      await server.request(`/api/v1/friends/${found.items[0]!.id}`, { method: 'PUT', headers: auth });
      await page.getByRole('link', { name: 'People' }).click();
      await page.getByRole('region', { name: 'Friend requests to you' }).getByRole('button', { name: 'Accept' }).click();
      await page.getByRole('region', { name: 'Friends' }).getByRole('button', { name: 'Message' }).waitFor();
      expect(await seriousViolations(page), 'people').toEqual([]);
      await page.getByRole('region', { name: 'Friends' }).getByRole('button', { name: 'Message' }).click();
      await page.getByLabel('Message', { exact: true }).fill('Checking the contrast');
      await page.keyboard.press('Enter');
      await page.getByLabel('Messages', { exact: true }).getByText('Checking the contrast').waitFor();
      expect(await seriousViolations(page), 'a chat').toEqual([]);
      await visitor.context.close();
    });
  }
});
