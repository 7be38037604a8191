import type { Readable } from 'node:stream';

/** What is known about a stored object without reading it. */
export interface BlobInfo {
  size: number;
  contentType: string;
  /** An opaque validator that changes whenever the bytes do, without quotes (the HTTP layer adds them). */
  etag: string;
}

/** Bytes `start` to `end`, both inclusive, as in an HTTP Range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** How a presigned URL should answer: the headers a download needs, since the store sends them. */
export interface DirectUrlOptions {
  expiresInSeconds: number;
  contentType: string;
  contentDisposition: string;
}

/**
 * Where file bytes live: the local disk or an S3-compatible bucket. Objects are written once under
 * keys the caller chose and never changed, so a key names one content for good.
 */
export interface BlobStore {
  /** Stores `body` under `key`; readers see either nothing or the whole object, never part of it. */
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** Undefined when there is no object under `key`. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** The object's bytes, or the bytes of `range`; rejects with BlobNotFoundError when absent. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the object; nothing happens when there is none. */
  delete(key: string): Promise<void>;
  /**
   * A URL at which a client reads the object straight from the store, without credentials, until
   * it expires (an S3 presigned URL); undefined when the store has none and the API streams the
   * bytes from `read` itself (the filesystem).
   */
  directUrl(key: string, options: DirectUrlOptions): Promise<string | undefined>;
}

export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`Invalid blob key ${JSON.stringify(key.slice(0, 100))}`);
    this.name = 'InvalidBlobKeyError';
  }
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`No blob under ${JSON.stringify(key.slice(0, 100))}`);
    this.name = 'BlobNotFoundError';
  }
}

// Keys are made by the server, so they can be strict: '/'-separated segments of letters, digits
// and `. _ -`, none starting with a dot. That rules out `..`, absolute paths, NUL and backslashes on
// every backend, and leaves dot-names free for a store's own bookkeeping.
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}$/;
const MAX_KEY_LENGTH = 1024;

export function isValidBlobKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_KEY_LENGTH && key.split('/').every((segment) => SEGMENT.test(segment));
}

export function assertValidBlobKey(key: string): void {
  if (!isValidBlobKey(key)) throw new InvalidBlobKeyError(key);
}
