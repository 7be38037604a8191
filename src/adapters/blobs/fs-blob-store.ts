import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, InvalidBlobKeyError, assertValidBlobKey, type BlobInfo, type BlobStore, type ByteRange } from './blob-store.js';

const META_DIR = '.meta';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Objects as files under one root directory: the bytes at `<root>/<key>`, and their content type,
 * size and hash in `<root>/.meta/<key>.json` (keys never start with a dot, so neither that tree nor
 * the temporary files can collide with an object). An object exists once its metadata does: both
 * are written to a temporary file and renamed into place, bytes first.
 */
export class FsBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    const file = this.pathOf(key);
    const info: BlobInfo = { size: body.length, contentType, etag: createHash('sha256').update(body).digest('base64url') };
    await writeAtomically(file, body);
    await writeAtomically(this.metaPathOf(key), Buffer.from(JSON.stringify(info)));
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.metaPathOf(key), 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const info = JSON.parse(text) as Partial<BlobInfo>;
    if (typeof info.size !== 'number' || typeof info.contentType !== 'string' || typeof info.etag !== 'string') {
      throw new Error(`Corrupt metadata for blob ${key}`);
    }
    return { size: info.size, contentType: info.contentType, etag: info.etag };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.pathOf(key), 'r');
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(key);
      throw error;
    }
    // The stream owns the handle from here and closes it when done or destroyed.
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(key: string): Promise<void> {
    // Metadata first: the object stops existing before its bytes go.
    await fs.rm(this.metaPathOf(key), { force: true });
    await fs.rm(this.pathOf(key), { force: true });
  }

  /** Files on disk have no URL of their own: the API serves them (`GET /files/*`). */
  async directUrl(key: string): Promise<undefined> {
    assertValidBlobKey(key);
    return undefined;
  }

  private pathOf(key: string): string {
    assertValidBlobKey(key);
    return this.inside(path.join(this.root, ...key.split('/')), key);
  }

  private metaPathOf(key: string): string {
    assertValidBlobKey(key);
    return this.inside(`${path.join(this.root, META_DIR, ...key.split('/'))}.json`, key);
  }

  /** A second guard after the key check, in case a future key rule lets something through. */
  private inside(file: string, key: string): string {
    if (!file.startsWith(this.root + path.sep)) throw new InvalidBlobKeyError(key);
    return file;
  }
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      // On disk before the rename makes it visible, so a crash cannot leave a short object.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
