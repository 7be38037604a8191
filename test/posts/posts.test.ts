import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ViewCounter } from '../../src/services/posts/view-counter.js';
import { PostsRepository } from '../../src/store/posts-repository.js';
import { bearer } from '../helpers/accounts.js';
import { befriend, call, person, type Person } from '../helpers/chats.js';
import { blackPng } from '../helpers/images.js';
import { multipart, type Part } from '../helpers/multipart.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { TestSocket } from '../helpers/ws.js';

const clock = new TestClock();
let server: TestServer;
let views: ViewCounter;
beforeAll(async () => {
  server = await startTestServer({
    clock,
    extraModules: (built) => {
      views = built.posts.views;
      return [];
    },
  });
});
afterAll(async () => {
  await server?.close();
});

interface ImageJson {
  url: string;
  width: number;
  height: number;
  thumbnail: { url: string; width: number; height: number };
  placeholder: string;
  alt: string;
}
interface PostJson {
  id: number;
  author: { id: number; username: string; firstName: string; lastName: string; avatar: { small: string } };
  text: string;
  visibility: string;
  images: ImageJson[];
  likeCount: number;
  likedByMe: boolean;
  commentCount: number;
  viewCount: number;
  createdAt: string;
  editedAt: string | null;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

async function publish(who: Person, parts: Part[]) {
  const { body, contentType } = multipart(parts);
  const res = await server.request('/api/v1/posts', { method: 'POST', body, headers: { ...bearer(who.token), 'content-type': contentType } });
  return { status: res.status, body: (await res.json()) as PostJson & { code?: string; errors?: Array<{ field: string }> } };
}
const textPost = async (who: Person, text: string, visibility = 'public') => {
  const res = await publish(who, [
    { name: 'text', data: text },
    { name: 'visibility', data: visibility },
  ]);
  expect(res.status).toBe(201);
  return res.body;
};
const feed = async (who: Person, query: string) => (await call<Page<PostJson>>(server, who, 'GET', `/posts?${query}`)).body;
const jpeg = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();

describe('publishing', () => {
  it('stores text and images: display and thumbnail WebPs, sizes, a placeholder and a description', async () => {
    const ann = await person(server);
    expect((await call(server, ann, 'PATCH', '/users/me', { firstName: 'Ann', lastName: 'Lee' })).status).toBe(200);
    const wide = await jpeg(2400, 1200);
    const res = await publish(ann, [
      { name: 'text', data: 'Sunset at the pier 🌅' },
      { name: 'images', filename: 'a.jpg', type: 'image/jpeg', data: wide },
      { name: 'images', filename: 'b.png', type: 'image/png', data: blackPng(300, 600) },
      { name: 'alt[0]', data: '  The sun low over the water, the pier in black  ' },
    ]);
    expect(res.status).toBe(201);
    const post = res.body;
    expect(post).toMatchObject({ text: 'Sunset at the pier 🌅', visibility: 'public', likeCount: 0, likedByMe: false, commentCount: 0, viewCount: 0, editedAt: null });
    expect(post.author).toMatchObject({ id: ann.id, username: ann.username, firstName: 'Ann', lastName: 'Lee' });
    expect(post.images.map((i) => i.alt)).toEqual(['The sun low over the water, the pier in black', '']);
    expect(post.images.map((i) => [i.width, i.height, i.thumbnail.width, i.thumbnail.height])).toEqual([
      [1600, 800, 400, 200],
      [300, 600, 200, 400],
    ]);
    for (const image of post.images) {
      expect(image.placeholder.length).toBeGreaterThan(10);
      for (const url of [image.url, image.thumbnail.url]) {
        const file = await server.request(url);
        expect(file.status).toBe(200);
        expect(file.headers.get('content-type')).toBe('image/webp');
        const meta = await sharp(Buffer.from(await file.arrayBuffer())).metadata();
        expect(meta.format).toBe('webp');
      }
    }
    const display = await sharp(Buffer.from(await (await server.request(post.images[0]!.url)).arrayBuffer())).metadata();
    expect([display.width, display.height]).toEqual([1600, 800]);
    // A URL works only as signed.
    expect((await server.request(post.images[0]!.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(404);
    const again = (await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body;
    expect(again.images.map((i) => i.alt)).toEqual(['The sun low over the water, the pier in black', '']);
  });

  it('refuses bad input with a clear 400, storing nothing', async () => {
    const ann = await person(server);
    const expectRefused = async (parts: Part[], code: string, field?: string) => {
      const res = await publish(ann, parts);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
      if (field) expect(res.body.errors?.map((e) => e.field)).toContain(field);
    };
    const png = blackPng(10, 10);
    await expectRefused([], 'post_empty');
    await expectRefused([{ name: 'text', data: '   ' }], 'post_empty');
    await expectRefused([{ name: 'text', data: 'x'.repeat(5001) }], 'validation_failed', 'text');
    await expectRefused([{ name: 'text', data: 'hi' }, { name: 'visibility', data: 'secret' }], 'validation_failed', 'visibility');
    await expectRefused([{ name: 'text', data: 'hi' }, { name: '__proto__', data: 'x' }], 'malformed_multipart');
    await expectRefused([{ name: 'text', data: 'hi' }, { name: 'mood', data: 'x' }], 'validation_failed', 'mood');
    await expectRefused([{ name: 'text', data: 'a\u0000b' }], 'validation_failed', 'text');
    await expectRefused(Array.from({ length: 11 }, () => ({ name: 'images', filename: 'a.png', data: png })), 'too_many_images', 'images');
    await expectRefused(Array.from({ length: 12 }, () => ({ name: 'images', filename: 'a.png', data: png })), 'too_many_images', 'images');
    await expectRefused([{ name: 'images', filename: 'a.png', data: png }, { name: 'images', filename: 'notes.txt', data: 'hello there' }], 'unsupported_image', 'images[1]');
    await expectRefused([{ name: 'images', filename: 'a.jpg', data: (await jpeg(100, 100)).subarray(0, 300) }], 'invalid_image', 'images[0]');
    await expectRefused([{ name: 'images', filename: 'big.png', data: blackPng(10_000, 10_000) }], 'image_too_large', 'images[0]');
    await expectRefused([{ name: 'images', filename: 'empty.png', data: Buffer.alloc(0) }], 'empty_file', 'images[0]');
    await expectRefused([{ name: 'images', filename: 'a.png', data: png }, { name: 'alt[1]', data: 'nothing there' }], 'validation_failed', 'alt[1]');
    await expectRefused([{ name: 'text', data: 'hi' }, { name: 'alt[0]', data: 'no image at all' }], 'validation_failed', 'alt[0]');
    await expectRefused([{ name: 'images', filename: 'a.png', data: png }, { name: 'alt[0]', data: 'é'.repeat(1501) }], 'validation_failed', 'alt[0]');
    await expectRefused([{ name: 'images', filename: 'a.png', data: png }, { name: 'alt[x]', data: 'a' }], 'validation_failed', 'alt[x]');
    await expectRefused([{ name: 'images', filename: 'a.png', data: png }, { name: 'alt[0]', data: 'a\u0000b' }], 'validation_failed', 'alt[0]');
    expect((await call<Page<PostJson>>(server, ann, 'GET', `/users/${ann.id}/posts`)).body.items).toEqual([]);

    const json = await server.request('/api/v1/posts', { method: 'POST', json: { text: 'hi' }, headers: bearer(ann.token) });
    expect(json.status).toBe(415);
  });

  it('refuses a photo over MAX_UPLOAD_BYTES with 413, storing nothing', async () => {
    const small = await startTestServer({ env: { MAX_UPLOAD_BYTES: '50000' } });
    try {
      const ann = await person(small);
      const { body, contentType } = multipart([
        { name: 'text', data: 'too big' },
        { name: 'images', filename: 'big.jpg', data: Buffer.concat([await jpeg(50, 50), Buffer.alloc(60_000)]) },
      ]);
      const res = await small.request('/api/v1/posts', { method: 'POST', body, headers: { ...bearer(ann.token), 'content-type': contentType } });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { code: string }).code).toBe('payload_too_large');
      const mine = await small.request(`/api/v1/users/${ann.id}/posts`, { headers: bearer(ann.token) });
      expect(((await mine.json()) as Page<PostJson>).items).toEqual([]);
    } finally {
      await small.close();
    }
  });

  it('at most 5,000 characters, counted as people see them', async () => {
    const ann = await person(server);
    expect((await publish(ann, [{ name: 'text', data: '😀'.repeat(5000) }])).status).toBe(201);
  });
});

describe('who sees what', () => {
  it('friends-only posts reach friends and the author; blocks hide posts both ways', async () => {
    const [ann, bob, eve, mal] = await Promise.all([person(server), person(server), person(server), person(server)]);
    await befriend(server, ann, bob);
    const open = await textPost(ann, 'for everyone');
    const close = await textPost(ann, 'for friends', 'friends');
    const ids = (page: Page<PostJson>) => page.items.map((p) => p.id);

    expect((await call(server, bob, 'GET', `/posts/${close.id}`)).status).toBe(200);
    expect((await call(server, eve, 'GET', `/posts/${close.id}`)).status).toBe(404);
    expect((await call(server, eve, 'GET', `/posts/${open.id}`)).status).toBe(200);
    expect(ids(await feed(bob, 'feed=latest&limit=100'))).toEqual(expect.arrayContaining([open.id, close.id]));
    expect(ids(await feed(eve, 'feed=latest&limit=100'))).toContain(open.id);
    expect(ids(await feed(eve, 'feed=latest&limit=100'))).not.toContain(close.id);
    expect(ids(await feed(bob, 'feed=friends&limit=100'))).toEqual([close.id, open.id]);
    expect(ids(await feed(eve, 'feed=friends&limit=100'))).toEqual([]);
    expect(ids((await call<Page<PostJson>>(server, eve, 'GET', `/users/${ann.id}/posts`)).body)).toEqual([open.id]);

    // Mal blocks Ann: neither sees the other's posts, by id, in feeds or on the profile.
    await call(server, mal, 'PUT', `/blocks/${ann.id}`);
    const mine = await textPost(mal, 'mal was here');
    expect((await call(server, mal, 'GET', `/posts/${open.id}`)).status).toBe(404);
    expect((await call(server, ann, 'GET', `/posts/${mine.id}`)).status).toBe(404);
    expect(ids(await feed(mal, 'feed=latest&limit=100'))).not.toContain(open.id);
    expect(ids(await feed(ann, 'feed=latest&limit=100'))).not.toContain(mine.id);
    expect((await call(server, ann, 'GET', `/users/${mal.id}/posts`)).status).toBe(404);
    expect((await call(server, mal, 'PUT', `/posts/${open.id}/like`)).status).toBe(404);
    expect((await call(server, mal, 'POST', `/posts/${open.id}/comments`, { text: 'hi' })).status).toBe(404);
    expect((await call(server, eve, 'GET', '/posts/999999999')).status).toBe(404);
    expect((await call(server, eve, 'GET', '/users/999999999/posts')).status).toBe(404);
  });
});

describe('the friends feed', () => {
  it('pages through my friends’ posts and mine, newest first, and no one else’s', async () => {
    const [ann, bob, cat, eve] = await Promise.all([person(server), person(server), person(server), person(server)]);
    await befriend(server, ann, bob);
    await befriend(server, ann, cat);
    const made: number[] = [];
    for (const [who, text] of [[bob, 'b1'], [eve, 'e1'], [ann, 'a1'], [cat, 'c1'], [bob, 'b2'], [eve, 'e2'], [cat, 'c2']] as const) {
      const post = await textPost(who, text, who === cat ? 'friends' : 'public');
      if (who !== eve) made.push(post.id);
    }
    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Page<PostJson> = await feed(ann, `feed=friends&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...made].reverse());
  });
});

describe('blocks and the people on a post', () => {
  it('hide each side’s likes and comments from the other on a third person’s post', async () => {
    const [ann, mal, cat] = await Promise.all([person(server), person(server), person(server)]);
    const post = await textPost(cat, 'a public post');
    await call(server, ann, 'PUT', `/posts/${post.id}/like`);
    await call(server, mal, 'PUT', `/posts/${post.id}/like`);
    await call(server, ann, 'POST', `/posts/${post.id}/comments`, { text: 'from ann' });
    await call(server, mal, 'POST', `/posts/${post.id}/comments`, { text: 'from mal' });
    await call(server, ann, 'PUT', `/blocks/${mal.id}`);
    const likers = async (who: Person) => (await call<Page<{ user: { id: number } }>>(server, who, 'GET', `/posts/${post.id}/likes`)).body.items.map((l) => l.user.id);
    const comments = async (who: Person) => (await call<Page<{ text: string }>>(server, who, 'GET', `/posts/${post.id}/comments`)).body.items.map((c) => c.text);
    expect(await likers(ann)).toEqual([ann.id]);
    expect(await likers(mal)).toEqual([mal.id]);
    expect((await likers(cat)).sort()).toEqual([ann.id, mal.id].sort());
    expect(await comments(ann)).toEqual(['from ann']);
    expect(await comments(mal)).toEqual(['from mal']);
    expect(await comments(cat)).toEqual(['from ann', 'from mal']);
  });
});

describe('changing and deleting', () => {
  it('only the author edits or deletes; deleting removes the image files', async () => {
    const [ann, bob] = await Promise.all([person(server), person(server)]);
    const post = (await publish(ann, [{ name: 'text', data: 'first draft' }, { name: 'images', filename: 'a.png', data: blackPng(40, 40) }])).body;
    expect((await call(server, bob, 'PATCH', `/posts/${post.id}`, { text: 'mine now' })).status).toBe(403);
    expect((await call(server, ann, 'PATCH', `/posts/${post.id}`, {})).status).toBe(400);
    expect((await call(server, ann, 'PATCH', `/posts/${post.id}`, { visibility: 'everyone' })).status).toBe(400);
    clock.advance(1000);
    const edited = await call<PostJson>(server, ann, 'PATCH', `/posts/${post.id}`, { text: 'final', visibility: 'friends' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ text: 'final', visibility: 'friends' });
    expect(Date.parse(edited.body.editedAt!)).toBe(clock.now());
    // Now friends-only, and Bob is not a friend: it is gone for him.
    expect((await call(server, bob, 'DELETE', `/posts/${post.id}`)).status).toBe(404);

    const file = post.images[0]!.url;
    expect((await server.request(file)).status).toBe(200);
    expect((await call(server, ann, 'DELETE', `/posts/${post.id}`)).status).toBe(204);
    expect((await call(server, ann, 'GET', `/posts/${post.id}`)).status).toBe(404);
    expect((await server.request(file)).status).toBe(404);
    expect((await call(server, ann, 'DELETE', `/posts/${post.id}`)).status).toBe(404);
  });

  it('a deleted account takes its posts and their files with it', async () => {
    const [ann, bob] = await Promise.all([person(server), person(server)]);
    const post = (await publish(ann, [{ name: 'images', filename: 'a.png', data: blackPng(40, 40) }])).body;
    const res = await server.request('/api/v1/users/me', { method: 'DELETE', json: { password: ann.password }, headers: bearer(ann.token) });
    expect(res.status).toBe(204);
    expect((await call(server, bob, 'GET', `/posts/${post.id}`)).status).toBe(404);
    expect((await server.request(post.images[0]!.url)).status).toBe(404);
  });
});

describe('likes and comments', () => {
  it('likes are idempotent, listed, and told to the author live', async () => {
    const [ann, bob, cat] = await Promise.all([person(server), person(server), person(server)]);
    const post = await textPost(ann, 'like me');
    const socket = await TestSocket.open(server, { token: ann.token });
    try {
      const liked = await call<PostJson>(server, bob, 'PUT', `/posts/${post.id}/like`);
      expect(liked.body).toMatchObject({ likeCount: 1, likedByMe: true });
      const frame = await socket.next((f) => f.type === 'post.liked');
      expect(frame).toMatchObject({ type: 'post.liked', postId: post.id, user: { id: bob.id, username: bob.username }, likeCount: 1 });
      expect((await call<PostJson>(server, bob, 'PUT', `/posts/${post.id}/like`)).body.likeCount).toBe(1);
      clock.advance(1000);
      await call(server, cat, 'PUT', `/posts/${post.id}/like`);
      expect((await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body).toMatchObject({ likeCount: 2, likedByMe: false });

      const first = await call<Page<{ user: { id: number } }>>(server, ann, 'GET', `/posts/${post.id}/likes?limit=1`);
      expect(first.body.items.map((l) => l.user.id)).toEqual([cat.id]);
      const second = await call<Page<{ user: { id: number } }>>(server, ann, 'GET', `/posts/${post.id}/likes?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((l) => l.user.id)).toEqual([bob.id]);

      expect((await call<PostJson>(server, bob, 'DELETE', `/posts/${post.id}/like`)).body).toMatchObject({ likeCount: 1, likedByMe: false });
      expect((await call<PostJson>(server, bob, 'DELETE', `/posts/${post.id}/like`)).body.likeCount).toBe(1);
      expect((await call(server, bob, 'GET', `/posts/${post.id}/likes?cursor=garbage`)).status).toBe(400);
    } finally {
      await socket.close();
    }
  });

  it('comments, replies, and who may delete them', async () => {
    const [ann, bob, cat] = await Promise.all([person(server), person(server), person(server)]);
    const post = await textPost(ann, 'discuss');
    const socket = await TestSocket.open(server, { token: ann.token });
    try {
      const comment = await call<{ id: number; replyToId: number | null }>(server, bob, 'POST', `/posts/${post.id}/comments`, { text: 'nice' });
      expect(comment.status).toBe(201);
      expect(await socket.next((f) => f.type === 'comment.created')).toMatchObject({ postId: post.id, comment: { id: comment.body.id, text: 'nice', author: { id: bob.id } } });
      const reply = await call<{ replyToId: number }>(server, cat, 'POST', `/posts/${post.id}/comments`, { text: 'agreed', replyToId: comment.body.id });
      expect(reply.body.replyToId).toBe(comment.body.id);
      const other = await textPost(cat, 'elsewhere');
      expect((await call<{ code: string }>(server, cat, 'POST', `/posts/${other.id}/comments`, { text: 'x', replyToId: comment.body.id })).body.code).toBe('reply_not_found');
      for (const bad of [{}, { text: '' }, { text: 'x'.repeat(2001) }, { text: 'ok', replyToId: 'one' }, { text: 'ok', extra: 1 }]) {
        expect((await call(server, bob, 'POST', `/posts/${post.id}/comments`, bad)).status).toBe(400);
      }
      expect((await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body.commentCount).toBe(2);
      const list = await call<Page<{ text: string }>>(server, ann, 'GET', `/posts/${post.id}/comments`);
      expect(list.body.items.map((c) => c.text)).toEqual(['nice', 'agreed']);

      expect((await call(server, cat, 'DELETE', `/posts/${post.id}/comments/${comment.body.id}`)).status).toBe(403);
      expect((await call(server, ann, 'DELETE', `/posts/${post.id}/comments/${comment.body.id}`)).status).toBe(204);
      expect((await call(server, ann, 'DELETE', `/posts/${post.id}/comments/${comment.body.id}`)).status).toBe(404);
      expect((await call(server, cat, 'DELETE', `/posts/${other.id}/comments/${reply.body.replyToId}`)).status).toBe(404);
      expect((await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body.commentCount).toBe(1);
    } finally {
      await socket.close();
    }
  });

  it('a new post reaches the author’s friends live', async () => {
    const [ann, bob] = await Promise.all([person(server), person(server)]);
    await befriend(server, ann, bob);
    const socket = await TestSocket.open(server, { token: bob.token });
    try {
      const post = (await publish(ann, [{ name: 'text', data: 'hello friends' }, { name: 'images', filename: 'a.png', data: blackPng(20, 10) }])).body;
      const frame = await socket.next((f) => f.type === 'post.created');
      expect(frame).toMatchObject({ post: { id: post.id, text: 'hello friends', author: { id: ann.id }, images: [{ width: 20, height: 10 }] } });
    } finally {
      await socket.close();
    }
  });
});

describe('views and the popular feed', () => {
  it('count once per viewer per post an hour, never the author’s own', async () => {
    const [ann, bob, cat] = await Promise.all([person(server), person(server), person(server)]);
    const post = await textPost(ann, 'count me');
    await call(server, bob, 'GET', `/posts/${post.id}`);
    await call(server, bob, 'GET', `/posts/${post.id}`);
    await feed(bob, 'feed=latest&limit=100');
    await call(server, cat, 'GET', `/posts/${post.id}`);
    await call(server, ann, 'GET', `/posts/${post.id}`);
    await views.flush();
    expect((await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body.viewCount).toBe(2);
    clock.advance(3_600_000);
    await call(server, bob, 'GET', `/posts/${post.id}`);
    await views.flush();
    expect((await call<PostJson>(server, ann, 'GET', `/posts/${post.id}`)).body.viewCount).toBe(3);
  });

  it('adds a large batch of views in several statements, and moves the rank with them', async () => {
    const ann = await person(server);
    const more = await textPost(ann, 'seen a lot');
    const less = await textPost(ann, 'seen less');
    const batch = new Map<number, number>(Array.from({ length: 1200 }, (_, i) => [900_000_000 + i, 1]));
    batch.set(more.id, 30);
    batch.set(less.id, 1);
    await new PostsRepository(server.app.database.db).addViews(batch);
    expect((await call<PostJson>(server, ann, 'GET', `/posts/${more.id}`)).body.viewCount).toBe(30);
    expect((await call<PostJson>(server, ann, 'GET', `/posts/${less.id}`)).body.viewCount).toBe(1);
    const order = (await feed(ann, 'feed=popular&limit=100')).items.map((p) => p.id);
    expect(order.indexOf(more.id)).toBeLessThan(order.indexOf(less.id));
  });

  it('ranks a liked post from yesterday above a silent one from a minute ago, and pages without repeats', async () => {
    const author = await person(server);
    const fans = await Promise.all(Array.from({ length: 12 }, () => person(server)));
    const yesterday = await textPost(author, 'good one');
    for (const fan of fans) await call(server, fan, 'PUT', `/posts/${yesterday.id}/like`);
    clock.advance(24 * 3_600_000);
    const fresh = await textPost(author, 'silent one');
    const order = (await feed(author, 'feed=popular&limit=100')).items.map((p) => p.id);
    expect(order.indexOf(yesterday.id)).toBeLessThan(order.indexOf(fresh.id));
    expect(order.indexOf(yesterday.id)).toBeGreaterThanOrEqual(0);

    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: Page<PostJson> = await feed(author, `feed=popular&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(order);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await call(server, author, 'GET', '/posts?feed=hot')).status).toBe(400);
    expect((await call(server, author, 'GET', '/posts?limit=101')).status).toBe(400);
  });
});
