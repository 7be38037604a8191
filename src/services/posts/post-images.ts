import { randomBytes } from 'node:crypto';
import type { BlobStore } from '../../adapters/blobs/blob-store.js';
import type { EncodedPostImage, ImageProcessor } from '../../adapters/images.js';
import { validationError } from '../errors.js';
import { detectType, emptyFileError, imageInputError } from '../image-input.js';

/** The longest side, in pixels, of the two sizes every post image is stored in. */
export const POST_IMAGE_SIDES = { display: 1600, thumbnail: 400 } as const;

/** A post image decoded and encoded, not stored yet. */
export type PreparedImage = EncodedPostImage;

/** A post image in the blob store: both files live under `key`. */
export interface StoredPostImage {
  /** The prefix of the files; see displayKey and thumbnailKey. */
  key: string;
  /** Of the display image. */
  width: number;
  height: number;
  placeholder: string;
}

export interface PostImagesDeps {
  /** Set up with the image pixel limit. */
  images: ImageProcessor;
  blobs: BlobStore;
  /** Files that could not be deleted are only reported: the caller's change stands (or its own error is the one to tell). */
  reportError: (error: unknown, message: string) => void;
  /** A new, never reused prefix for one image's files; random unless a test says otherwise. */
  newKey?: () => string;
  sides?: { display: number; thumbnail: number };
}

export const displayKey = (key: string) => `${key}/display.webp`;
export const thumbnailKey = (key: string) => `${key}/thumb.webp`;

// 128 random bits: keys are unguessable and name one content for good, so their URLs cache forever.
const randomKey = () => `posts/${randomBytes(16).toString('base64url')}`;
const fieldOf = (index: number) => `images[${index}]`;

/**
 * The photos of posts. `prepare` checks and encodes a post's images before anything is stored, so
 * a bad image refuses the post with nothing written; `store` then writes them all or none.
 * The type comes from the bytes (PNG, JPEG, WebP or GIF, the first frame of an animation), never
 * from the name or the client's Content-Type; each image is kept upright, without metadata, as a
 * display WebP and a thumbnail WebP, with a ThumbHash placeholder.
 */
export class PostImages {
  private readonly newKey: () => string;
  private readonly sides: { display: number; thumbnail: number };

  constructor(private readonly deps: PostImagesDeps) {
    this.newKey = deps.newKey ?? randomKey;
    this.sides = deps.sides ?? POST_IMAGE_SIDES;
  }

  /** Encodes each file; a validation error naming the file (`images[2]`) for the first one that is not a usable image. */
  async prepare(files: ReadonlyArray<{ data: Buffer }>): Promise<PreparedImage[]> {
    const prepared: PreparedImage[] = [];
    // One at a time: a decoded photo takes tens of megabytes, and a post may carry several.
    for (const [index, file] of files.entries()) prepared.push(await this.prepareOne(file.data, fieldOf(index)));
    return prepared;
  }

  /** Writes the files of every image under fresh keys, the results in the order given; when any write fails, deletes what was written and rethrows. */
  async store(prepared: readonly PreparedImage[]): Promise<StoredPostImage[]> {
    const { blobs } = this.deps;
    const stored = prepared.map((image) => ({ key: this.newKey(), width: image.display.width, height: image.display.height, placeholder: image.placeholder }));
    const writes = prepared.flatMap((image, i) => {
      const key = stored[i]!.key;
      return [
        { key: displayKey(key), data: image.display.data },
        { key: thumbnailKey(key), data: image.thumbnail.data },
      ];
    });
    const results = await Promise.allSettled(writes.map((write) => blobs.put(write.key, write.data, 'image/webp')));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      // Every write has settled, so nothing lands after this clean-up; deleting a key never written is harmless.
      await this.deleteFiles(writes.map((write) => write.key));
      throw failure.reason;
    }
    return stored;
  }

  /** Deletes both files of each image; files already gone are no error, and failures are reported, not thrown. */
  async remove(images: ReadonlyArray<{ key: string }>): Promise<void> {
    await this.deleteFiles(images.flatMap(({ key }) => [displayKey(key), thumbnailKey(key)]));
  }

  private async prepareOne(data: Buffer, field: string): Promise<PreparedImage> {
    if (data.length === 0) throw emptyFileError(field);
    const format = (await detectType(data))?.imageFormat;
    if (!format) {
      throw validationError('unsupported_image', 'Post images must be PNG, JPEG, WebP or GIF images', [
        { field, message: 'must be a PNG, JPEG, WebP or GIF image' },
      ]);
    }
    try {
      return await this.deps.images.postImage(data, this.sides);
    } catch (error) {
      throw imageInputError(error, format, field);
    }
  }

  private async deleteFiles(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.deps.blobs.delete(key).catch((error: unknown) => this.deps.reportError(error, `post image file ${key} not deleted`))),
    );
  }
}
