import { describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { bearer, login, registerUser, uniqueName } from '../helpers/accounts.js';
import type { TestServer } from '../helpers/server.js';
import { seriousViolations } from './axe.js';
import { newVisitor, postBy, signUp, startServerAndBrowser } from './browser.js';

let server: TestServer;
let browser: Browser;
startServerAndBrowser((started, launched) => {
  server = started;
  browser = launched;
});

const commentBy = (post: ReturnType<typeof postBy>, author: string) => post.getByRole('article', { name: `Comment by ${author}` });
/** Whether the page is wider than the screen: a phone would have to scroll sideways. */
const scrollsSideways = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');
/** The name of what has the keyboard. */
const focused = (page: Page) => page.evaluate<string | undefined>('document.activeElement?.textContent?.trim()');

describe('editing posts, threads of comments, likers and friend buttons in the web client', () => {
  it('Ann edits her post, Bob comments, Ann replies, Bob deletes his comment; Ann sees who liked it and befriends Bob from his page', async () => {
    const ann = await newVisitor(browser, server.url, uniqueName('ann'));
    // Bob is on a phone.
    const bob = await newVisitor(browser, server.url, uniqueName('bob'), { width: 375, height: 740 });
    await signUp(ann);
    await signUp(bob);

    // Ann publishes, then changes her mind twice: Escape leaves the post as it was, Save changes it at once.
    await ann.page.getByRole('link', { name: 'Posts' }).click();
    await ann.page.getByLabel('Post text').fill('Picnic on Saturday?');
    await ann.page.getByRole('button', { name: 'Publish' }).click();
    const annPost = postBy(ann, ann.username);
    await annPost.getByText('Picnic on Saturday?').waitFor();
    await annPost.getByRole('button', { name: 'Edit post' }).click();
    const editor = annPost.getByRole('form', { name: 'Edit post' });
    await editor.getByLabel('Text of the post').fill('Something else entirely');
    await ann.page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await annPost.getByText('Picnic on Saturday?').waitFor();
    await expect.poll(() => focused(ann.page)).toBe('Edit post');

    await annPost.getByRole('button', { name: 'Edit post' }).click();
    await editor.getByLabel('Text of the post').fill('Picnic on Sunday at noon, by the lake');
    await editor.getByRole('button', { name: 'Save' }).click();
    await annPost.getByText('Picnic on Sunday at noon, by the lake').waitFor();
    await annPost.getByText(/edited/).waitFor();
    expect(await annPost.getByText('Picnic on Saturday?').count()).toBe(0);

    // Bob sees the new text; he likes the post and comments.
    await bob.page.getByRole('link', { name: 'Posts' }).click();
    const bobView = postBy(bob, ann.username);
    await bobView.getByText('Picnic on Sunday at noon, by the lake').waitFor();
    expect(await bobView.getByText('Picnic on Saturday?').count()).toBe(0);
    expect(await bobView.getByRole('button', { name: 'Edit post' }).count()).toBe(0);
    await bobView.getByRole('button', { name: 'Like', exact: true }).click();
    await bobView.getByRole('button', { name: '1 like' }).waitFor();
    await bobView.getByRole('button', { name: /^Comments/ }).click();
    await bobView.getByLabel('Write a comment').fill('Count me in');
    await bobView.getByRole('button', { name: 'Comment', exact: true }).click();
    await commentBy(bobView, bob.username).getByText('Count me in').waitFor();

    // Ann answers Bob's comment: her reply shows under it.
    await annPost.getByRole('button', { name: 'Comments (1)' }).click();
    await commentBy(annPost, bob.username).getByRole('button', { name: `Reply to ${bob.username}` }).click();
    await annPost.getByLabel(`Your reply to ${bob.username}`).fill('Bring a blanket');
    await annPost.getByRole('button', { name: 'Reply', exact: true }).click();
    const replies = annPost.getByRole('list', { name: `Replies to ${bob.username}` });
    await commentBy(annPost, ann.username).getByText('Bring a blanket').waitFor();
    expect(await replies.getByText('Bring a blanket').count()).toBe(1);
    await annPost.getByRole('button', { name: 'Comments (2)' }).waitFor();
    expect(await annPost.getByLabel(`Your reply to ${bob.username}`).count()).toBe(0);

    // Bob sees the thread on his phone; he may delete his own comment, not Ann's reply.
    await bob.page.reload();
    await bobView.getByRole('button', { name: 'Comments (2)' }).click();
    await bobView.getByRole('list', { name: `Replies to ${bob.username}` }).getByText('Bring a blanket').waitFor();
    expect(await scrollsSideways(bob.page)).toBe(false);
    expect(await bobView.getByRole('button', { name: `Delete comment by ${ann.username}` }).count()).toBe(0);
    await bobView.getByRole('button', { name: `Delete comment by ${bob.username}` }).click();
    // Asked, the keyboard is on the safe answer.
    await expect.poll(() => focused(bob.page)).toBe('Keep');
    await bobView.getByRole('group', { name: 'Delete this comment?' }).getByRole('button', { name: 'Delete' }).click();
    await commentBy(bobView, bob.username).waitFor({ state: 'detached' });
    await bobView.getByRole('button', { name: 'Comments (1)' }).waitFor();
    // The reply stays, answering nothing now.
    await commentBy(bobView, ann.username).getByText('Bring a blanket').waitFor();
    await ann.page.reload();
    await annPost.getByRole('button', { name: 'Comments (1)' }).click();
    await commentBy(annPost, ann.username).getByText('Bring a blanket').waitFor();
    expect(await annPost.getByText('Count me in').count()).toBe(0);

    // Ann sees who liked her post; Escape closes the list, and Bob's name leads to his page.
    await annPost.getByRole('button', { name: '1 like' }).click();
    const likers = ann.page.getByRole('dialog', { name: 'Liked by' });
    await likers.getByRole('link', { name: bob.username }).waitFor();
    await ann.page.keyboard.press('Escape');
    await likers.waitFor({ state: 'hidden' });
    await annPost.getByRole('button', { name: '1 like' }).click();
    await likers.getByRole('link', { name: bob.username }).click();
    await ann.page.getByRole('heading', { name: bob.username, level: 1 }).waitFor();

    // On Bob's page Ann asks to be friends; Bob, on Ann's page, accepts; Ann's screen follows.
    const annSide = ann.page.getByRole('group', { name: `You and ${bob.username}` });
    await annSide.getByRole('button', { name: 'Add friend' }).click();
    await ann.page.getByText(`@${bob.username} · You asked to be friends`).waitFor();
    await annSide.getByRole('button', { name: 'Cancel request' }).waitFor();

    await bobView.getByRole('link', { name: ann.username }).first().click();
    await bob.page.getByRole('heading', { name: ann.username, level: 1 }).waitFor();
    await bob.page.getByText(`@${ann.username} · Asks to be friends`).waitFor();
    const bobSide = bob.page.getByRole('group', { name: `You and ${ann.username}` });
    await bobSide.getByRole('button', { name: 'Accept' }).click();
    await bob.page.getByText(`@${ann.username} · Friends`).waitFor();
    await bobSide.getByRole('button', { name: 'Remove friend' }).waitFor();
    expect(await scrollsSideways(bob.page)).toBe(false);

    await ann.page.getByText(`@${bob.username} · Friends`).waitFor();
    await annSide.getByRole('button', { name: 'Remove friend' }).waitFor();

    // Ann blocks Bob and lifts it again: the friendship does not come back.
    await annSide.getByRole('button', { name: 'Block' }).click();
    await ann.page.getByText(`@${bob.username} · Blocked`).waitFor();
    expect(await annSide.getByRole('button', { name: 'Message' }).count()).toBe(0);
    await annSide.getByRole('button', { name: 'Unblock' }).click();
    await annSide.getByRole('button', { name: 'Add friend' }).waitFor();

    // Message opens their direct chat.
    await annSide.getByRole('button', { name: 'Message' }).click();
    await ann.page.getByLabel('Message', { exact: true }).fill('See you Sunday');
    await ann.page.keyboard.press('Enter');
    await ann.page.getByLabel('Messages', { exact: true }).getByText('See you Sunday').waitFor();
    expect(new URL(ann.page.url()).pathname).toMatch(/^\/chats\/\d+$/);

    expect(ann.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
    await ann.context.close();
    await bob.context.close();
  }, 120_000);

  it('has no serious accessibility violations on a thread of comments, the post editor, who liked and a person page, light and dark', async () => {
    const ann = await newVisitor(browser, server.url, uniqueName('ann'));
    await signUp(ann);
    const { page } = ann;
    await page.getByRole('link', { name: 'Posts' }).click();
    await page.getByLabel('Post text').fill('Checking the contrast of posts');
    await page.getByRole('button', { name: 'Publish' }).click();
    const annPost = postBy(ann, ann.username);
    await annPost.getByText('Checking the contrast of posts').waitFor();

    // Bob, through the API, likes it and comments.
    const bob = await registerUser(server);
    const auth = bearer((await login(server, bob)).accessToken);
    const feed = (await (await server.request('/api/v1/posts', { headers: auth })).json()) as { items: Array<{ id: number }> };
    const postId = feed.items[0]!.id;
    expect((await server.request(`/api/v1/posts/${postId}/like`, { method: 'PUT', headers: auth })).status).toBe(200);
    expect((await server.request(`/api/v1/posts/${postId}/comments`, { method: 'POST', headers: auth, json: { text: 'Looks fine to me' } })).status).toBe(201);

    await page.reload();
    await annPost.getByRole('button', { name: 'Comments (1)' }).click();
    await commentBy(annPost, bob.username).getByRole('button', { name: `Reply to ${bob.username}` }).click();
    await annPost.getByLabel(`Your reply to ${bob.username}`).fill('Thanks');
    await annPost.getByRole('button', { name: 'Reply', exact: true }).click();
    await annPost.getByRole('list', { name: `Replies to ${bob.username}` }).getByText('Thanks').waitFor();
    await annPost.getByRole('button', { name: `Delete comment by ${bob.username}` }).click();
    await annPost.getByRole('button', { name: 'Edit post' }).click();
    await annPost.getByRole('form', { name: 'Edit post' }).waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await seriousViolations(page), `a thread and the editor, ${colorScheme}`).toEqual([]);
    }
    await page.keyboard.press('Escape');

    await annPost.getByRole('button', { name: '1 like' }).click();
    const likers = page.getByRole('dialog', { name: 'Liked by' });
    await likers.getByRole('link', { name: bob.username }).waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await seriousViolations(page), `who liked, ${colorScheme}`).toEqual([]);
    }
    await likers.getByRole('link', { name: bob.username }).click();
    await page.getByRole('group', { name: `You and ${bob.username}` }).getByRole('button', { name: 'Add friend' }).waitFor();
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      expect(await seriousViolations(page), `a person page, ${colorScheme}`).toEqual([]);
    }
    expect(ann.problems).toEqual([]);
    await ann.context.close();
  }, 90_000);
});
