import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

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

/** Encrypts a secret the server must read back (an authenticator key) under `key` (32 bytes), AES-256-GCM. */
export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

export function unseal(key: Buffer, sealed: string): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
