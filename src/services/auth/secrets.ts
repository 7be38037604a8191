import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe: refresh tokens, cookie secrets, links in mail, API tokens. */
export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url');

/** A six-digit code for people to type. */
export const randomDigits = (length = 6) => String(randomInt(0, 10 ** length)).padStart(length, '0');

/** Storage form of a high-entropy secret: its SHA-256. */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Storage form of a low-entropy secret (a short code): keyed, so a leaked table cannot be brute-forced offline. */
export const hmac = (key: Buffer, value: string) => createHmac('sha256', key).update(value).digest('base64url');

export function equalSecrets(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
