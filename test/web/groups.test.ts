import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { bearer, login, registerUser, uniqueName } from '../helpers/accounts.js';
import type { TestServer } from '../helpers/server.js';
import { newVisitor, PASSWORD, signIn, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});

/** Three friends, made through the API. */
async function threeFriends() {
  const people = await Promise.all(['ann', 'bob', 'cleo'].map((name) => registerUser(server, { username: uniqueName(name), password: PASSWORD })));
  const tokens = await Promise.all(people.map((person) => login(server, person)));
  for (const [a, b] of [[0, 1], [0, 2], [1, 2]] as const) {
    await server.request(`/api/v1/friends/${people[b]!.id}`, { method: 'PUT', headers: bearer(tokens[a]!.accessToken) });
    await server.request(`/api/v1/friends/${people[a]!.id}`, { method: 'PUT', headers: bearer(tokens[b]!.accessToken) });
  }
  return people;
}

describe('groups in the web client', () => {
  it('creates a group of friends, renames it, gives roles, removes a member and hands it over; the others see it live', async () => {
    const [annUser, bobUser, cleoUser] = await threeFriends();
    const ann = await newVisitor(browser, server.url, annUser!.username);
    const bob = await newVisitor(browser, server.url, bobUser!.username);
    await signIn(ann);
    await signIn(bob);

    // Ann makes the group from the New chat dialog.
    await ann.page.getByRole('button', { name: 'New chat' }).click();
    const dialog = ann.page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByRole('checkbox', { name: bobUser!.username }).check();
    await dialog.getByRole('checkbox', { name: cleoUser!.username }).check();
    await dialog.getByLabel('Group name (for a group)').fill('Climbing');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await ann.page.getByRole('heading', { name: 'Climbing' }).waitFor();
    await bob.page.getByRole('link', { name: /Climbing/ }).waitFor();

    // Rename, promote Bob, remove Cleo.
    await ann.page.getByRole('button', { name: 'Members and settings' }).click();
    const info = ann.page.getByRole('dialog', { name: 'Climbing' });
    await info.getByLabel('Group name').fill('Climbing club');
    await info.getByRole('button', { name: 'Rename' }).click();
    await bob.page.getByRole('link', { name: /Climbing club/ }).waitFor();
    await info.getByRole('button', { name: `Make ${bobUser!.username} an admin` }).click();
    await info.getByRole('button', { name: `Make ${bobUser!.username} a member` }).waitFor();
    await info.getByRole('button', { name: `Remove ${cleoUser!.username}` }).click();
    await expect.poll(() => info.getByText('2 members').count()).toBe(1);

    // Ann hands the group to Bob and leaves it; Bob is now its owner.
    await info.getByRole('button', { name: `Hand over to ${bobUser!.username}` }).click();
    await info.getByRole('button', { name: 'Delete the group' }).waitFor({ state: 'detached' });
    await info.getByRole('button', { name: 'Leave the group' }).click();
    await ann.page.getByText('Pick a chat, or start a new one.').waitFor();
    expect(await ann.page.getByRole('link', { name: /Climbing club/ }).count()).toBe(0);
    await bob.page.getByRole('link', { name: /Climbing club/ }).click();
    await bob.page.getByRole('button', { name: 'Members and settings' }).click();
    await bob.page.getByRole('dialog', { name: 'Climbing club' }).getByRole('button', { name: 'Delete the group' }).waitFor();
    await bob.page.keyboard.press('Escape');
    await bob.page.getByRole('dialog').waitFor({ state: 'detached' });

    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await ann.context.close();
    await bob.context.close();
  }, 60_000);
});
