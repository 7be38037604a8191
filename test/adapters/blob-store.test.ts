import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, InvalidBlobKeyError, type BlobStore } from '../../src/adapters/blobs/blob-store.js';
import { FsBlobStore } from '../../src/adapters/blobs/fs-blob-store.js';
import { S3BlobStore } from '../../src/adapters/blobs/s3-blob-store.js';
import { startLocalS3, type LocalS3 } from '../helpers/s3.js';

const BAD_KEYS = ['', '../secret', 'u/../../secret', '/etc/passwd', 'a\0b', 'a\\..\\b', 'a//b', 'a/', '.meta/a', 'u/.tmp-1', 'x/..', 'a b'];

/** The behaviour every blob store has, whatever holds the bytes: run against both. */
function contract(name: string, open: () => BlobStore) {
  describe(`${name}: blob store contract`, () => {
    it('stores bytes with their type, reads them whole or by range, and deletes them', async () => {
      const store = open();
      await store.put('u/abc/hello.txt', Buffer.from('hello, world'), 'text/plain');
      expect(await store.stat('u/abc/hello.txt')).toEqual({ size: 12, contentType: 'text/plain', etag: expect.stringMatching(/^[\w-]{16,}$/) as string });
      expect(await text(await store.read('u/abc/hello.txt'))).toBe('hello, world');
      expect(await text(await store.read('u/abc/hello.txt', { start: 7, end: 11 }))).toBe('world');

      await store.delete('u/abc/hello.txt');
      expect(await store.stat('u/abc/hello.txt')).toBeUndefined();
      await expect(store.read('u/abc/hello.txt')).rejects.toBeInstanceOf(BlobNotFoundError);
      // Deleting what is not there is not an error.
      await store.delete('u/abc/hello.txt');
    });

    it('answers undefined for a key never written', async () => {
      const store = open();
      expect(await store.stat('never/written')).toBeUndefined();
      await expect(store.read('never/written')).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('gives equal bytes equal ETags and different bytes different ones', async () => {
      const store = open();
      await store.put('a/1', Buffer.from('same'), 'text/plain');
      await store.put('a/2', Buffer.from('same'), 'text/plain');
      await store.put('a/3', Buffer.from('other'), 'text/plain');
      const [one, two, three] = await Promise.all(['a/1', 'a/2', 'a/3'].map((key) => store.stat(key)));
      expect(one!.etag).toBe(two!.etag);
      expect(one!.etag).not.toBe(three!.etag);
    });

    it('keeps binary bytes exactly, including an empty object', async () => {
      const store = open();
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await store.put('bin/all-bytes', bytes, 'application/octet-stream');
      const chunks: Buffer[] = [];
      for await (const chunk of await store.read('bin/all-bytes')) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      await store.put('bin/empty', Buffer.alloc(0), 'application/octet-stream');
      expect((await store.stat('bin/empty'))?.size).toBe(0);
    });

    it('refuses keys that could leave the root or clash with its bookkeeping', async () => {
      const store = open();
      for (const key of BAD_KEYS) {
        await expect(store.put(key, Buffer.from('x'), 'text/plain'), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.stat(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.read(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.delete(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
        await expect(store.directUrl(key, { expiresInSeconds: 60, contentType: 'text/plain', contentDisposition: 'inline' })).rejects.toBeInstanceOf(
          InvalidBlobKeyError,
        );
      }
    });
  });
}

describe('FsBlobStore', () => {
  let dir: string;
  let store: BlobStore;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-blobs-'));
    store = new FsBlobStore(path.join(dir, 'files'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  contract('filesystem', () => store);

  it('leaves only the object behind, no temporary files, and refuses nothing outside the root', async () => {
    await store.put('u/abc/only.txt', Buffer.from('x'), 'text/plain');
    expect(await fs.readdir(path.join(dir, 'files', 'u', 'abc'))).toEqual(['only.txt']);
    await fs.writeFile(path.join(dir, 'secret'), 'outside');
    await expect(store.read('../secret')).rejects.toBeInstanceOf(InvalidBlobKeyError);
    expect(await fs.readFile(path.join(dir, 'secret'), 'utf8')).toBe('outside');
  });

  it('does not show an object whose metadata was never written (a crash between the two renames)', async () => {
    await fs.mkdir(path.join(dir, 'files', 'half'), { recursive: true });
    await fs.writeFile(path.join(dir, 'files', 'half', 'done'), 'bytes');
    expect(await store.stat('half/done')).toBeUndefined();
  });

  it('has no URL of its own: the API serves its files', async () => {
    expect(await store.directUrl('u/abc/only.txt', { expiresInSeconds: 60, contentType: 'text/plain', contentDisposition: 'inline' })).toBeUndefined();
  });
});

describe('S3BlobStore against a local S3 server', () => {
  let s3: LocalS3;
  let store: S3BlobStore;
  beforeAll(async () => {
    s3 = await startLocalS3();
    store = s3.blobStore();
  });
  afterAll(async () => {
    store?.close();
    await s3?.close();
  });

  contract('S3', () => store);

  it('hands out presigned URLs that serve the bytes with the headers asked for, ranges included, without credentials', async () => {
    await store.put('u/s3/report.txt', Buffer.from('quarterly numbers'), 'text/plain');
    const url = await store.directUrl('u/s3/report.txt', {
      expiresInSeconds: 60,
      contentType: 'text/plain; charset=utf-8',
      contentDisposition: 'attachment; filename="report.txt"',
    });
    expect(url.startsWith(`${s3.endpoint}/${s3.bucket}/u/s3/report.txt?`)).toBe(true);
    expect(url).toContain('X-Amz-Signature=');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('quarterly numbers');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="report.txt"');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const part = await fetch(url, { headers: { range: 'bytes=10-16' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('numbers');

  });

  it('answers its readiness check for the bucket, and reports a missing one', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const elsewhere = new S3BlobStore({ bucket: 'no-such-bucket', region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    try {
      await expect(elsewhere.ping()).rejects.toThrow();
    } finally {
      elsewhere.close();
    }
  });
});
