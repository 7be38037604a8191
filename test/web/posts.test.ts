import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { bearer, login, registerUser, uniqueName } from '../helpers/accounts.js';
import { blackPng } from '../helpers/images.js';
import type { TestServer } from '../helpers/server.js';
import { imageLoaded, newVisitor, postBy, signUp, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});

describe('posts in the web client', () => {
  it('a post with two photos: another person sees it in Latest, likes and comments; the author sees both', async () => {
    const ann = await newVisitor(browser, server.url, uniqueName('ann'));
    const bob = await newVisitor(browser, server.url, uniqueName('bob'));
    await signUp(ann);
    await signUp(bob);

    // Ann writes a public post with two photos, previewed before she publishes.
    await ann.page.getByRole('link', { name: 'Posts' }).click();
    await ann.page.getByLabel('Post text').fill('Two black squares, kind of');
    await ann.page.getByLabel('Add photos').setInputFiles([
      { name: 'wide.png', mimeType: 'image/png', buffer: blackPng(400, 200) },
      { name: 'tall.png', mimeType: 'image/png', buffer: blackPng(150, 300) },
    ]);
    const previews = ann.page.getByRole('list', { name: 'Chosen photos' }).getByRole('img');
    await expect.poll(() => previews.count()).toBe(2);
    // She describes the first for people who cannot see it.
    await ann.page.getByLabel('Describe photo 1 for people who cannot see it').fill('A wide black rectangle');
    await ann.page.getByRole('button', { name: 'Publish' }).click();
    const annPost = postBy(ann, ann.username);
    await annPost.getByText('Two black squares, kind of').waitFor();
    expect(await previews.count()).toBe(0);

    // Bob sees it in Latest, the photos sized before they load, the first described as Ann wrote.
    await bob.page.getByRole('link', { name: 'Posts' }).click();
    expect(await bob.page.getByRole('tab', { name: 'Latest' }).getAttribute('aria-selected')).toBe('true');
    const bobView = postBy(bob, ann.username);
    await bobView.getByText('Two black squares, kind of').waitFor();
    const wide = bobView.getByRole('img', { name: 'A wide black rectangle' });
    const tall = bobView.getByRole('img', { name: 'Photo 2 of 2' });
    expect([await wide.getAttribute('width'), await wide.getAttribute('height')]).toEqual(['400', '200']);
    expect([await tall.getAttribute('width'), await tall.getAttribute('height')]).toEqual(['150', '300']);
    // A blurred placeholder, from the image's ThumbHash, fills each box while the photo loads.
    const box1 = bobView.getByRole('link', { name: 'A wide black rectangle' });
    expect(await box1.evaluate((a: { style: { backgroundImage: string } }) => a.style.backgroundImage)).toMatch(/^url\("data:image\/png;base64,/);
    await expect.poll(() => imageLoaded(wide)).toBe(true);
    const box = await wide.boundingBox();
    expect(Math.round((box?.width ?? 0) / (box?.height ?? 1))).toBe(2);

    // Bob likes it and comments.
    const like = bobView.getByRole('button', { name: 'Like', exact: true });
    await like.click();
    await bobView.getByText('1 like', { exact: true }).waitFor();
    expect(await like.getAttribute('aria-pressed')).toBe('true');
    await bobView.getByRole('button', { name: /^Comments/ }).click();
    await bobView.getByLabel('Write a comment').fill('Very minimalist');
    await bobView.getByRole('button', { name: 'Comment', exact: true }).click();
    await bobView.getByRole('region', { name: 'Comments' }).getByText('Very minimalist').waitFor();
    await bobView.getByRole('button', { name: 'Comments (1)' }).waitFor();

    // Ann sees the like live, and the comment.
    await annPost.getByText('1 like', { exact: true }).waitFor();
    await annPost.getByRole('button', { name: 'Comments (1)' }).click();
    await annPost.getByRole('region', { name: 'Comments' }).getByText('Very minimalist').waitFor();
    expect(await annPost.getByRole('region', { name: 'Comments' }).getByText(bob.username).count()).toBe(1);

    // Bob takes the like back; after a reload the count is still true.
    await like.click();
    await bobView.getByText('0 likes', { exact: true }).waitFor();
    await ann.page.reload();
    await annPost.getByText('0 likes', { exact: true }).waitFor();

    // Not friends: Bob's Friends feed is empty; the arrow keys bring him back to Latest.
    await bob.page.getByRole('tab', { name: 'Friends' }).click();
    await bob.page.getByText('Nothing from your friends yet.').waitFor();
    await bob.page.keyboard.press('ArrowLeft');
    await bobView.waitFor();
    expect(await bob.page.getByRole('tab', { name: 'Latest' }).getAttribute('aria-selected')).toBe('true');

    // Ann's name leads to her page: her profile and her posts.
    await bobView.getByRole('link', { name: ann.username }).click();
    await bob.page.getByRole('heading', { name: ann.username, level: 1 }).waitFor();
    await postBy(bob, ann.username).getByText('Two black squares, kind of').waitFor();
    await bob.page.goBack();

    // Ann deletes her post, after saying so twice.
    await annPost.getByRole('button', { name: 'Delete post' }).click();
    await annPost.getByRole('group', { name: 'Delete this post?' }).getByRole('button', { name: 'Delete' }).click();
    await annPost.waitFor({ state: 'detached' });
    await bob.page.reload();
    await bob.page.getByText('No posts yet').waitFor();

    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await ann.context.close();
    await bob.context.close();
  }, 90_000);

  it('reads a long feed page by page with Load more', async () => {
    const writer = await registerUser(server);
    const { accessToken } = await login(server, writer);
    for (let n = 1; n <= 25; n++) {
      const form = new FormData();
      form.append('text', `Note number ${n}.`);
      const res = await server.request('/api/v1/posts', { method: 'POST', body: form, headers: bearer(accessToken) });
      expect(res.status).toBe(201);
    }
    const reader = await newVisitor(browser, server.url, uniqueName('reader'));
    await signUp(reader);
    await reader.page.getByRole('link', { name: 'Posts' }).click();
    const notes = postBy(reader, writer.username);
    await reader.page.getByText('Note number 25.').waitFor();
    expect(await notes.count()).toBe(20);
    expect(await reader.page.getByText('Note number 5.', { exact: true }).count()).toBe(0);

    await reader.page.getByRole('button', { name: 'Load more' }).click();
    await reader.page.getByText('Note number 1.', { exact: true }).waitFor();
    expect(await notes.count()).toBe(25);
    await reader.page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });

    expect(reader.problems).toEqual([]);
    await reader.context.close();
  }, 60_000);
});
