import { createHmac, timingSafeEqual } from 'node:crypto';

export interface FileUrlOptions {
  /** Lifetime of a URL when `sign` is not given one. */
  ttlSeconds: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** `/files/<key>` with each key segment percent-encoded. */
export const filePath = (key: string) => `/files/${key.split('/').map(encodeURIComponent).join('/')}`;

/**
 * Capability URLs for stored files, like S3 presigned URLs: whoever holds one may read that one
 * file until it expires, without credentials (an <img> tag cannot send a Bearer token). The
 * signature covers the key and the expiry, with a key used for nothing else.
 */
export class FileUrls {
  constructor(
    private readonly key: Buffer,
    private readonly options: FileUrlOptions,
  ) {}

  /** `/files/<key>?exp=<unix seconds>&sig=<base64url HMAC>`, relative to the API origin. */
  sign(key: string, ttlSeconds = this.options.ttlSeconds): string {
    // Expiries are rounded up to a step of a tenth of the lifetime (at most an hour), so the same
    // file gets the same URL for a while and clients' caches hit instead of fetching it again.
    const step = Math.min(3600, Math.max(1, Math.floor(ttlSeconds / 10)));
    const exp = Math.ceil((Math.floor(this.options.now() / 1000) + ttlSeconds) / step) * step;
    return `${filePath(key)}?exp=${exp}&sig=${this.signature(key, exp)}`;
  }

  /** True when `sig` was made by `sign` for this key and `exp` is still in the future. */
  verify(key: string, exp: string | number | undefined, sig: string | undefined): boolean {
    const expiry = this.expiryOf(exp);
    if (expiry === undefined || sig === undefined || expiry * 1000 <= this.options.now()) return false;
    const given = Buffer.from(sig, 'base64url');
    const expected = Buffer.from(this.signature(key, expiry), 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected) && given.toString('base64url') === sig;
  }

  /** Whole seconds until `exp`, for a cache lifetime; 0 when past or malformed. */
  secondsLeft(exp: string | number | undefined): number {
    const expiry = this.expiryOf(exp);
    return expiry === undefined ? 0 : Math.max(0, expiry - Math.ceil(this.options.now() / 1000));
  }

  private expiryOf(exp: string | number | undefined): number | undefined {
    const text = String(exp ?? '');
    return /^[1-9]\d{0,11}$/.test(text) ? Number(text) : undefined;
  }

  // Keys cannot contain a newline, so key + "\n" + exp reads one way only.
  private signature(key: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${key}\n${exp}`).digest('base64url');
  }
}
