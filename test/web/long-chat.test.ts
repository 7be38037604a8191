import { describe, expect, it } from 'vitest';
import type { Browser, Locator } from 'playwright-core';
import { call, direct, person, send, type Person } from '../helpers/chats.js';
import type { TestServer } from '../helpers/server.js';
import { newVisitor, signIn, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});

const HISTORY = 350;

/** The little of the DOM these checks use (the tests are compiled without the DOM's types). */
interface Box {
  scrollTop: number;
  scrollHeight: number;
}
interface Placed {
  getBoundingClientRect(): { top: number };
  closest(selector: string): Placed;
}

/** Where a row's top is, in px from the top of the scrolling box. */
const topInBox = (row: Locator) => row.evaluate((element: Placed) => element.getBoundingClientRect().top - element.closest('.messages').getBoundingClientRect().top);
const scrollTo = (box: Locator, where: 'top' | 'bottom') => box.evaluate((element: Box, end) => void (element.scrollTop = end === 'top' ? 0 : element.scrollHeight), where);

describe('a long chat in the web client', () => {
  it('keeps only the rows near the viewport in the page, loads older pages upward without moving what is read, and follows new messages only from the bottom', async () => {
    const reader = await person(server);
    const writer = await person(server);
    await call(server, reader, 'PUT', `/friends/${writer.id}`);
    await call(server, writer, 'PUT', `/friends/${reader.id}`);
    const chat = await direct(server, reader, writer);
    let next = 1;
    const writeSome = async (who: Person) => {
      while (next <= HISTORY) {
        const n = next++;
        await send(server, who, chat.id, `${n}. message number ${n}`);
      }
    };
    await Promise.all([writeSome(reader), writeSome(writer), writeSome(reader), writeSome(writer)]);

    const visitor = await newVisitor(browser, server.url, reader.username);
    await signIn(visitor);
    const { page } = visitor;
    await page.getByRole('link', { name: new RegExp(writer.username) }).click();
    const box = page.getByLabel('Messages', { exact: true });
    const rows = box.locator('li.message');
    const row = (n: number) => rows.filter({ hasText: new RegExp(`^${n}\\. `) });

    // The newest message is on screen; only a window of the 100 loaded is in the page.
    await expect.poll(() => row(HISTORY).isVisible()).toBe(true);
    expect(await rows.count()).toBeLessThan(60);

    // Pulling the history up: each older page goes in above, and the row at the top stays put.
    let oldestShown = HISTORY;
    for (let page_ = 0; oldestShown > 1; page_++) {
      expect(page_, 'the oldest message never arrived').toBeLessThan(10);
      await scrollTo(box, 'top');
      const topRow = rows.first();
      const topText = (await topRow.textContent())!;
      const anchored = Number(/^(\d+)\./.exec(topText)![1]);
      if (anchored === 1) break;
      const before = await topInBox(row(anchored));
      // The page before it loads, and the row is still where it was, now with messages above it.
      await expect.poll(() => box.evaluate((element: Box) => element.scrollTop)).toBeGreaterThan(0);
      await expect.poll(() => topInBox(row(anchored))).toBeCloseTo(before, 0);
      oldestShown = anchored;
    }
    await expect.poll(() => row(1).isVisible()).toBe(true);
    expect(await rows.count()).toBeLessThan(60);
    // The whole history is known now: assistive technology hears each row's place in it.
    await expect.poll(() => row(1).getAttribute('aria-setsize')).toBe(String(HISTORY));
    expect(await row(1).getAttribute('aria-posinset')).toBe('1');

    // Reading old messages, a new one does not pull the view down.
    await send(server, writer, chat.id, 'a new one while reading history');
    await expect.poll(async () => (await page.getByRole('link', { name: new RegExp(writer.username) }).textContent()) ?? '').toMatch(/a new one while reading history/);
    expect(await row(1).isVisible()).toBe(true);

    // At the bottom again, the next message is followed into view.
    await scrollTo(box, 'bottom');
    await expect.poll(() => box.getByText('a new one while reading history').isVisible()).toBe(true);
    await send(server, writer, chat.id, 'and one more at the bottom');
    await expect.poll(() => box.getByText('and one more at the bottom').isVisible()).toBe(true);
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
});
