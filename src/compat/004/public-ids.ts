import { FF1 } from '@noble/ciphers/ff1.js';
import { LRUCache } from 'lru-cache';

/** What a 004 UUID names. Each kind has its own tweak, so a user's UUID names no chat or post. */
export type IdKind = 'user' | 'chat' | 'post';

/** Hex digits of a UUID that carry data: all 32 but the version (`4`) and the variant (`8`). */
const DATA_DIGITS = 30;
/** Hex digits the id takes at the end (48 bits); the zeros before it are what a forged UUID fails on. */
const ID_DIGITS = 12;
const MAX_ID = 16 ** ID_DIGITS - 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * 004's ids are UUIDs; ours are integers. Each id is encrypted with FF1 (NIST SP 800-38G,
 * format-preserving) under a key derived from the root secret into a version-4 UUID: stable (the
 * same person always has the same one, on every node, with nothing stored), unguessable (no
 * neighbour is found by counting), and checked on the way back (a UUID we did not make names
 * nothing, as 74 of its bits must decrypt to zero).
 */
export class PublicIds {
  private readonly ciphers: Record<IdKind, ReturnType<typeof FF1>>;
  private readonly encoded = new LRUCache<string, string>({ max: 50_000 });
  private readonly decoded = new LRUCache<string, number>({ max: 50_000 });

  constructor(key: Buffer) {
    const aesKey = new Uint8Array(key.subarray(0, 32));
    const cipher = (kind: IdKind) => FF1(16, aesKey, new TextEncoder().encode(kind));
    this.ciphers = { user: cipher('user'), chat: cipher('chat'), post: cipher('post') };
  }

  /** The UUID of one of our ids. */
  uuid(kind: IdKind, id: number): string {
    const cacheKey = `${kind}:${id}`;
    const cached = this.encoded.get(cacheKey);
    if (cached !== undefined) return cached;
    if (!Number.isSafeInteger(id) || id < 0 || id > MAX_ID) throw new Error(`${kind} id ${id} does not fit a 004 UUID`);
    const plain = [...id.toString(16).padStart(DATA_DIGITS, '0')].map((digit) => parseInt(digit, 16));
    const hex = this.ciphers[kind].encrypt(plain).map((digit) => digit.toString(16)).join('');
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-8${hex.slice(15, 18)}-${hex.slice(18)}`;
    this.encoded.set(cacheKey, uuid);
    return uuid;
  }

  /** The id a UUID names, or undefined for any text that is not one of our UUIDs of this kind. */
  idOf(kind: IdKind, value: unknown): number | undefined {
    if (typeof value !== 'string' || value.length !== 36) return undefined;
    const uuid = value.toLowerCase();
    const cacheKey = `${kind}:${uuid}`;
    const cached = this.decoded.get(cacheKey);
    if (cached !== undefined) return cached;
    if (!UUID.test(uuid)) return undefined;
    const hex = uuid.replaceAll('-', '');
    const data = hex.slice(0, 12) + hex.slice(13, 16) + hex.slice(17);
    const plain = this.ciphers[kind].decrypt([...data].map((digit) => parseInt(digit, 16)));
    if (plain.slice(0, DATA_DIGITS - ID_DIGITS).some((digit) => digit !== 0)) return undefined;
    const id = parseInt(plain.slice(DATA_DIGITS - ID_DIGITS).map((digit) => digit.toString(16)).join(''), 16);
    if (id === 0) return undefined;
    this.decoded.set(cacheKey, id);
    return id;
  }
}
