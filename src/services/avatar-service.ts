import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import type { BlobStore } from '../adapters/blobs/blob-store.js';
import type { Clock } from '../adapters/clock.js';
import type { ImageProcessor } from '../adapters/images.js';
import type { InitialsRenderer } from '../adapters/initials-renderer.js';
import type { AvatarOwner, AvatarsRepository } from '../store/avatars-repository.js';
import {
  AVATAR_SIDES,
  avatarFileKey,
  isUploadedAvatarKey,
  newUploadedPrefix,
  parseDefaultAvatarKey,
  type AvatarSide,
  type DefaultAvatarSpec,
} from './avatar-keys.js';
import { conflict, notFound, validationError } from './errors.js';
import { detectType, emptyFileError, imageInputError } from './image-input.js';

export interface AvatarServiceDeps {
  avatars: AvatarsRepository;
  blobs: BlobStore;
  /** Set up with the avatar pixel limit. */
  images: ImageProcessor;
  initials: InitialsRenderer;
  clock: Clock;
  /** Tells cached copies of the user (on every node) that their avatar changed. */
  userChanged: (userId: number) => Promise<void>;
  /** Files that could not be deleted are only reported: the change itself has been made. */
  reportError: (error: unknown, message: string) => void;
}

/** One image behind an avatar URL. */
export interface AvatarFile {
  etag: string;
  size: number;
  /** The bytes; an uploaded avatar replaced since the lookup throws BlobNotFoundError. */
  open(): Promise<Readable | Buffer>;
}

/**
 * Memory kept for drawn default avatars. A 512 px one is a few KB, so this holds thousands:
 * every face a busy node shows, while made-up keys only push each other out.
 */
export const DEFAULT_AVATAR_CACHE_BYTES = 32 * 1024 * 1024;

const sides: readonly AvatarSide[] = [AVATAR_SIDES.large, AVATAR_SIDES.small];
// Two requests changing one user's avatar at once take turns through replaceKey; a few rounds settle it.
const MAX_SWAP_ATTEMPTS = 5;

/**
 * Profile pictures. An upload is decoded from its bytes (PNG, JPEG, WebP or GIF, the first frame
 * of an animation), stored as square WebPs without metadata under a new random prefix, and only
 * then made the user's avatar; the previous one's files are deleted after the switch. So readers
 * see the old picture or the new one, never a missing one. Without an upload a user has the
 * generated default, drawn when asked for and kept only in a bounded memory cache: anyone may
 * ask for any well-formed key, and no such request may leave a file behind. The drawing is
 * deterministic, so every node and every restart serves the same bytes under the same ETag.
 */
export class AvatarService {
  // Simultaneous first requests for one key share one drawing (fetchMethod runs once per key).
  private readonly defaults = new LRUCache<string, { data: Buffer; etag: string }, DefaultAvatarSpec>({
    maxSize: DEFAULT_AVATAR_CACHE_BYTES,
    sizeCalculation: (image) => image.data.length,
    fetchMethod: async (_key, _stale, { context }) => {
      const data = await this.defaultImage(context);
      return { data, etag: createHash('sha256').update(data).digest('base64url').slice(0, 27) };
    },
  });

  constructor(private readonly deps: AvatarServiceDeps) {}

  /** Makes `data` the user's avatar; returns the owner with the new key. */
  async set(userId: number, data: Buffer): Promise<AvatarOwner> {
    const { blobs, images } = this.deps;
    const owner = await this.owner(userId);
    if (data.length === 0) throw emptyFileError();
    const format = (await detectType(data))?.imageFormat;
    if (!format) {
      throw validationError('unsupported_image', 'An avatar must be a PNG, JPEG, WebP or GIF image', [
        { field: 'file', message: 'must be a PNG, JPEG, WebP or GIF image' },
      ]);
    }
    let encoded;
    try {
      encoded = await images.avatar(data, sides);
    } catch (error) {
      throw imageInputError(error, format);
    }

    const prefix = newUploadedPrefix(userId);
    const keys = sides.map((side) => avatarFileKey(prefix, side));
    try {
      for (const [i, key] of keys.entries()) await blobs.put(key, encoded[i]!.data, 'image/webp');
      await this.swap(userId, prefix);
    } catch (error) {
      await this.deleteFiles(keys);
      throw error;
    }
    return { ...owner, avatarKey: prefix };
  }

  /** Back to the generated default; nothing changes when it already is. */
  async reset(userId: number): Promise<AvatarOwner> {
    const owner = await this.owner(userId);
    await this.swap(userId, null);
    return { ...owner, avatarKey: null };
  }

  /** Deletes the user's uploaded avatar, if any; for account deletion, before the account row goes. */
  async removeAll(userId: number): Promise<void> {
    if ((await this.deps.avatars.currentKey(userId)) == null) return;
    await this.swap(userId, null);
  }

  /** The image behind an avatar URL's key: an upload's file, or a default drawn from the key; undefined for any key we never hand out. */
  async findFile(key: string): Promise<AvatarFile | undefined> {
    const { blobs } = this.deps;
    if (isUploadedAvatarKey(key)) {
      const info = await blobs.stat(key);
      return info && { etag: info.etag, size: info.size, open: () => blobs.read(key) };
    }
    const spec = parseDefaultAvatarKey(key);
    if (!spec) return undefined;
    const image = await this.defaults.fetch(key, { context: spec });
    if (!image) throw new Error(`default avatar ${key} was not drawn`);
    return { etag: image.etag, size: image.data.length, open: async () => image.data };
  }

  /** The default avatar's image: initials in white on the palette colour, as WebP. */
  defaultImage(spec: DefaultAvatarSpec): Promise<Buffer> {
    return this.deps.initials.render(spec.initials, spec.background, spec.side);
  }

  private async owner(userId: number): Promise<AvatarOwner> {
    const owner = await this.deps.avatars.findOwner(userId);
    if (!owner) throw notFound('user_not_found', 'No such user');
    return owner;
  }

  /** Points the user at `next` and deletes the files of whatever it replaced. */
  private async swap(userId: number, next: string | null): Promise<void> {
    const { avatars, clock } = this.deps;
    for (let attempt = 0; attempt < MAX_SWAP_ATTEMPTS; attempt++) {
      const current = await avatars.currentKey(userId);
      if (current === undefined) throw notFound('user_not_found', 'No such user');
      if (current === next) return;
      if (await avatars.replaceKey(userId, current, next, clock.now())) {
        await this.deps.userChanged(userId).catch((error: unknown) => this.deps.reportError(error, 'user cache not told of a new avatar'));
        if (current !== null) await this.deleteFiles(sides.map((side) => avatarFileKey(current, side)));
        return;
      }
    }
    throw conflict('avatar_busy', 'The avatar is being changed by another request; try again');
  }

  private async deleteFiles(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.deps.blobs.delete(key).catch((error: unknown) => this.deps.reportError(error, `avatar file ${key} not deleted`))),
    );
  }
}
