import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/accounts.js';
import { call, group, person, type MessageJson, type Person } from '../helpers/chats.js';
import { startLocalS3, type LocalS3 } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The whole file path through a bucket: uploads, attachments and avatars stored in a local
// S3-compatible server, private files read through presigned URLs.
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

async function upload(who: Person, filename: string, data: Buffer): Promise<{ id: number; url: string; thumbnailUrl: string | null }> {
  const form = new FormData();
  form.append('file', new Blob([data]), filename);
  const res = await server.request('/api/v1/uploads', { method: 'POST', headers: bearer(who.token), body: form });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; url: string; thumbnailUrl: string | null };
}

const keyOf = (url: string) => decodeURIComponent(url.split('?')[0]!.slice('/files/'.length));
const pathOf = (url: string) => url.split('?')[0]!;

/** Follows our 302 by hand, to see it, then reads from the bucket (the byte `range`, if given). */
async function throughBucket(url: string, options: { headers?: Record<string, string>; range?: string } = {}): Promise<{ redirect: Response; object: Response }> {
  const redirect = await server.request(url, { headers: options.headers, redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const location = redirect.headers.get('location')!;
  expect(location.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
  expect(location).toContain('X-Amz-Signature=');
  const object = await fetch(location, { headers: options.range ? { range: options.range } : {} });
  return { redirect, object };
}

describe('files in an S3-compatible bucket', () => {
  it('reports the bucket in readiness', async () => {
    const res = await server.request('/ready');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { checks: Record<string, string> }).checks.s3).toBe('ok');
  });

  it('stores uploads in the bucket, not on disk, and serves them to members by presigned URLs', async () => {
    const [a, b, outsider] = [await person(server), await person(server), await person(server)];
    const chat = await group(server, a, [b]);
    const notes = Buffer.from('minutes of the meeting\n'.repeat(50));
    const photo = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#cc3366' } }).png().toBuffer();
    const file = await upload(a, 'notes.txt', notes);
    const image = await upload(a, 'beach.png', photo);
    expect(image.thumbnailUrl).not.toBeNull();

    const keys = await s3.keys();
    expect(keys).toEqual(expect.arrayContaining([keyOf(file.url), keyOf(image.url), keyOf(image.thumbnailUrl!)]));
    const onDisk = await fs.readdir(path.join(server.environment.dataDir, 'files')).catch(() => []);
    expect(onDisk).toEqual([]);

    const sent = await call<MessageJson>(server, a, 'POST', `/chats/${chat.id}/messages`, { text: 'see attached', attachmentIds: [file.id, image.id] });
    expect(sent.status).toBe(201);
    const [doc, picture] = sent.body.attachments;

    // A signed URL redirects to the bucket; the bucket answers with the bytes and our headers.
    const { redirect, object } = await throughBucket(doc!.url);
    expect(redirect.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    expect(object.status).toBe(200);
    expect(Buffer.from(await object.arrayBuffer()).equals(notes)).toBe(true);
    expect(object.headers.get('content-disposition')).toMatch(/^attachment; filename="notes.txt"/);
    const ranged = await throughBucket(doc!.url, { range: 'bytes=0-6' });
    expect(ranged.object.status).toBe(206);
    expect(await ranged.object.text()).toBe('minutes');

    const shown = await throughBucket(picture!.url);
    expect(shown.object.headers.get('content-type')).toBe('image/png');
    expect(shown.object.headers.get('content-disposition')).toMatch(/^inline; /);
    const meta = await sharp(Buffer.from(await shown.object.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([80, 60]);

    // With credentials instead of a signature: members are redirected, outsiders get 404 and no URL.
    expect((await throughBucket(pathOf(doc!.url), { headers: bearer(b.token) })).object.status).toBe(200);
    const refused = await server.request(pathOf(doc!.url), { headers: bearer(outsider.token), redirect: 'manual' });
    expect(refused.status).toBe(404);
    expect(refused.headers.get('location')).toBeNull();
    const forged = await server.request(`${pathOf(doc!.url)}?exp=9999999999&sig=AAAA`, { redirect: 'manual' });
    expect(forged.status).toBe(404);
  });

  it('keeps uploaded avatars in the bucket and serves them from stable URLs, and deletes the replaced ones', async () => {
    const ann = await person(server);
    const picture = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#33aa66' } }).jpeg().toBuffer();
    const form = new FormData();
    form.append('file', new Blob([picture]), 'me.jpg');
    const put = await server.request('/api/v1/users/me/avatar', { method: 'PUT', headers: bearer(ann.token), body: form });
    expect(put.status).toBe(200);
    const avatar = (await put.json()) as { large: string; small: string; isDefault: boolean };
    expect(await s3.keys()).toEqual(expect.arrayContaining([keyOf(avatar.large), keyOf(avatar.small)]));

    // Avatars are public and cached for a year, so they are served from their own URL, not redirected.
    const res = await server.request(avatar.large);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 512]);
    const again = await server.request(avatar.large, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);

    // Back to the default: the uploaded objects leave the bucket and their URLs stop working.
    const reset = await server.request('/api/v1/users/me/avatar', { method: 'DELETE', headers: bearer(ann.token) });
    const generated = (await reset.json()) as { large: string; isDefault: boolean };
    expect(generated.isDefault).toBe(true);
    expect(await s3.keys()).not.toContain(keyOf(avatar.large));
    expect((await server.request(avatar.large)).status).toBe(404);
    // The generated default is drawn for the request and never written to the bucket.
    const drawn = await server.request(generated.large);
    expect(drawn.status).toBe(200);
    expect(drawn.headers.get('content-type')).toBe('image/webp');
    await drawn.arrayBuffer();
    expect(await s3.keys()).not.toContain(keyOf(generated.large));
  });
});

describe('an unreachable bucket', () => {
  it('makes /ready answer 503 naming s3, while the rest keeps running', async () => {
    const broken = await startTestServer({ env: { ...s3.env, S3_BUCKET: 'no-such-bucket' } });
    try {
      const res = await broken.request('/ready');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { checks: Record<string, string> }).checks.s3).toBe('unreachable');
      expect((await broken.request('/health')).status).toBe(200);
    } finally {
      await broken.close();
    }
  });
});
