import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, InvalidBlobKeyError } from '../../src/adapters/blobs/blob-store.js';
import { FsBlobStore } from '../../src/adapters/blobs/fs-blob-store.js';

describe('FsBlobStore', () => {
  let dir: string;
  let store: FsBlobStore;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-blobs-'));
    store = new FsBlobStore(path.join(dir, 'files'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('stores bytes with their type, reads them whole or by range, and deletes them', async () => {
    await store.put('u/abc/hello.txt', Buffer.from('hello, world'), 'text/plain');
    expect(await store.stat('u/abc/hello.txt')).toEqual({ size: 12, contentType: 'text/plain', etag: expect.stringMatching(/^[\w-]{43}$/) as string });
    expect(await text(await store.read('u/abc/hello.txt'))).toBe('hello, world');
    expect(await text(await store.read('u/abc/hello.txt', { start: 7, end: 11 }))).toBe('world');
    // Only the object and its metadata are left behind, no temporary files.
    expect(await fs.readdir(path.join(dir, 'files', 'u', 'abc'))).toEqual(['hello.txt']);

    await store.delete('u/abc/hello.txt');
    expect(await store.stat('u/abc/hello.txt')).toBeUndefined();
    await expect(store.read('u/abc/hello.txt')).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.delete('u/abc/hello.txt');
  });

  it('gives equal bytes equal ETags and different bytes different ones', async () => {
    await store.put('a/1', Buffer.from('same'), 'text/plain');
    await store.put('a/2', Buffer.from('same'), 'text/plain');
    await store.put('a/3', Buffer.from('other'), 'text/plain');
    const [one, two, three] = await Promise.all(['a/1', 'a/2', 'a/3'].map((key) => store.stat(key)));
    expect(one!.etag).toBe(two!.etag);
    expect(one!.etag).not.toBe(three!.etag);
  });

  it('does not show an object whose metadata was never written (a crash between the two renames)', async () => {
    await fs.mkdir(path.join(dir, 'files', 'half'), { recursive: true });
    await fs.writeFile(path.join(dir, 'files', 'half', 'done'), 'bytes');
    expect(await store.stat('half/done')).toBeUndefined();
  });

  it('refuses keys that could leave the root or clash with its bookkeeping', async () => {
    await fs.writeFile(path.join(dir, 'secret'), 'outside');
    for (const key of ['', '../secret', 'u/../../secret', '/etc/passwd', 'a\0b', 'a\\..\\b', 'a//b', 'a/', '.meta/a', 'u/.tmp-1', 'x/..', 'a b']) {
      await expect(store.put(key, Buffer.from('x'), 'text/plain'), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.stat(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.read(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
      await expect(store.delete(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    }
    expect(await fs.readFile(path.join(dir, 'secret'), 'utf8')).toBe('outside');
  });
});
