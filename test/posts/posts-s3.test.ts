import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { call, person, type Person } from '../helpers/chats.js';
import { blackPng } from '../helpers/images.js';
import { multipart, type Part } from '../helpers/multipart.js';
import { startLocalS3, type LocalS3 } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Posts whose photos live in an S3-compatible bucket: stored there, read through presigned URLs,
// removed with the post, and never left behind by a post that was refused.
let s3: LocalS3;
let server: TestServer;
beforeAll(async () => {
  s3 = await startLocalS3();
  server = await startTestServer({ env: s3.env });
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
});

interface PostJson {
  id: number;
  images: Array<{ url: string; thumbnail: { url: string } }>;
}

async function publish(who: Person, parts: Part[]) {
  const { body, contentType } = multipart(parts);
  const res = await server.request('/api/v1/posts', { method: 'POST', body, headers: { ...bearer(who.token), 'content-type': contentType } });
  return { status: res.status, body: (await res.json()) as PostJson };
}

const postKeys = async () => (await s3.keys()).filter((key) => key.startsWith('posts/'));

describe('post photos in an S3-compatible bucket', () => {
  it('are stored in the bucket in both sizes, read through presigned URLs, and go with the post', async () => {
    const ann = await person(server);
    const before = await postKeys();
    const post = (await publish(ann, [{ name: 'images', filename: 'a.png', data: blackPng(800, 400) }])).body;
    const added = (await postKeys()).filter((key) => !before.includes(key));
    expect(added.map((key) => key.split('/').at(-1)).sort()).toEqual(['display.webp', 'thumb.webp']);

    for (const url of [post.images[0]!.url, post.images[0]!.thumbnail.url]) {
      const redirect = await server.request(url, { redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location')!;
      expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/posts/`)).toBe(true);
      const object = await fetch(location);
      expect(object.status).toBe(200);
      expect(Buffer.from(await object.arrayBuffer()).subarray(8, 12).toString()).toBe('WEBP');
    }

    expect((await call(server, ann, 'DELETE', `/posts/${post.id}`)).status).toBe(204);
    expect(await postKeys()).toEqual(before);
  });

  it('leave nothing in the bucket when one photo of the post is refused', async () => {
    const ann = await person(server);
    const before = await postKeys();
    const res = await publish(ann, [
      { name: 'images', filename: 'a.png', data: blackPng(50, 50) },
      { name: 'images', filename: 'b.png', data: blackPng(20_000, 20_000) },
    ]);
    expect(res.status).toBe(400);
    expect(await postKeys()).toEqual(before);
    expect((await call<{ items: unknown[] }>(server, ann, 'GET', `/users/${ann.id}/posts`)).body.items).toEqual([]);
  });
});
