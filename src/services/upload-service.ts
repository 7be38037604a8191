import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore, ByteRange } from '../adapters/blobs/blob-store.js';
import type { Clock } from '../adapters/clock.js';
import { ImageError, type ImageFormat, type ImageProcessor } from '../adapters/images.js';
import type { UploadRecord, UploadsRepository } from '../store/uploads-repository.js';
import { detectType, emptyFileError, imageInputError, isImageType } from './image-input.js';

/** A stored file, attached to a message or not yet. */
export type Upload = UploadRecord;

/** Whether a user belongs to a chat; the chat module provides it. */
export type IsChatMember = (chatId: number, userId: number) => Promise<boolean>;

export interface UploadServiceDeps {
  uploads: UploadsRepository;
  blobs: BlobStore;
  images: ImageProcessor;
  clock: Clock;
  isChatMember: IsChatMember;
  /** Files that could not be deleted are only reported: their rows, and so their URLs, are gone already. */
  reportError: (error: unknown, message: string) => void;
}

/** One readable object behind a key: an upload's file or its thumbnail. */
export interface StoredFile {
  upload: Upload;
  key: string;
  contentType: string;
  /** For Content-Disposition. */
  name: string;
  /** Only images we decoded and re-encoded ourselves may be shown in a page; anything else is a download. */
  inline: boolean;
}

export const GENERIC_TYPE = 'application/octet-stream';
export const THUMBNAIL_MAX_SIDE = 320;
const NAME_MAX = 255;

/**
 * Files people upload, for chat attachments now and avatars and post images later.
 *
 * The type of a file comes from its bytes, never from its name or the client's Content-Type:
 * - bytes that are a PNG, JPEG, WebP or GIF are decoded, refused when they have more than the
 *   allowed pixels (`image_too_large`) or do not decode (`invalid_image`), and stored re-encoded
 *   upright without metadata (no EXIF, GPS, XMP or ICC), with their size and a WebP thumbnail;
 * - other bytes a signature identifies keep that type (application/pdf, image/tiff …) and are
 *   stored as they came;
 * - anything else, text included, is application/octet-stream. So a text file named photo.png is
 *   accepted as a plain file and is never served as image/png.
 * Only the four decoded image types are ever served inline; everything else is a download.
 * Callers bound the size (the HTTP layer refuses bodies over the limit before they get here).
 */
export class UploadService {
  constructor(private readonly deps: UploadServiceDeps) {}

  async create(userId: number, file: { filename: string; data: Buffer }): Promise<Upload> {
    const { uploads, blobs, clock } = this.deps;
    if (file.data.length === 0) throw emptyFileError();
    const name = sanitizeFileName(file.filename);

    const detected = await detectType(file.data);
    const format = detected?.imageFormat;
    let data = file.data;
    let contentType = detected?.contentType ?? GENERIC_TYPE;
    let dimensions: { width: number; height: number } | null = null;
    let thumbnail: Buffer | undefined;
    if (format) {
      const image = await this.processImage(file.data, format);
      data = image.data;
      contentType = `image/${format}`;
      dimensions = { width: image.width, height: image.height };
      thumbnail = image.thumbnail;
    }

    // A random folder per upload: keys are unguessable, unique, and never reused, so a key names
    // one content for good (which makes the files cacheable forever).
    const storageKey = `u/${randomBytes(16).toString('base64url')}/${storageName(name)}`;
    const thumbnailKey = thumbnail ? thumbnailKeyOf(storageKey) : null;
    const written: string[] = [];
    try {
      await blobs.put(storageKey, data, contentType);
      written.push(storageKey);
      if (thumbnail && thumbnailKey) {
        await blobs.put(thumbnailKey, thumbnail, 'image/webp');
        written.push(thumbnailKey);
      }
      return await uploads.create({
        ownerId: userId,
        storageKey,
        name,
        size: data.length,
        contentType,
        width: dimensions?.width ?? null,
        height: dimensions?.height ?? null,
        thumbnailKey,
        now: clock.now(),
      });
    } catch (error) {
      await Promise.all(written.map((key) => blobs.delete(key).catch(() => {})));
      throw error;
    }
  }

  /** Deletes the user's uploads that are in no message, files included; for account deletion. */
  async removeUnattached(userId: number): Promise<void> {
    await this.removeFiles(await this.deps.uploads.deleteUnattached(userId));
  }

  /**
   * Deletes these uploads of the user while they are in no message: for a client that uploads and
   * sends in one request, when the sending fails.
   */
  async discard(userId: number, ids: number[]): Promise<void> {
    await this.removeFiles(await this.deps.uploads.deleteUnattached(userId, ids));
  }

  private async removeFiles(removed: Array<Pick<Upload, 'storageKey' | 'thumbnailKey'>>): Promise<void> {
    const keys = removed.flatMap((upload) => (upload.thumbnailKey === null ? [upload.storageKey] : [upload.storageKey, upload.thumbnailKey]));
    await Promise.all(
      keys.map((key) => this.deps.blobs.delete(key).catch((error: unknown) => this.deps.reportError(error, `upload file ${key} not deleted`))),
    );
  }

  get(id: number): Promise<Upload | undefined> {
    return this.deps.uploads.findById(id);
  }

  /**
   * The uploader while the file is not attached to a message; the members of the message's chat
   * once it is. Deleting the message detaches the file (message_id goes back to null), so it is
   * the uploader's alone again.
   */
  async canRead(userId: number, upload: Upload): Promise<boolean> {
    if (upload.messageId !== null && upload.chatId !== null) return this.deps.isChatMember(upload.chatId, userId);
    return upload.ownerId !== null && upload.ownerId === userId;
  }

  /** The upload file or thumbnail stored under `key`, if any. */
  async findFile(key: string): Promise<StoredFile | undefined> {
    const original = originalKeyOf(key);
    if (original !== undefined) {
      const upload = await this.deps.uploads.findByStorageKey(original);
      if (!upload || upload.thumbnailKey !== key) return undefined;
      return { upload, key, contentType: 'image/webp', name: `${upload.name.replace(/\.[^.]*$/, '')}.webp`, inline: true };
    }
    const upload = await this.deps.uploads.findByStorageKey(key);
    if (!upload) return undefined;
    return { upload, key, contentType: upload.contentType, name: upload.name, inline: isImageType(upload.contentType) };
  }

  statFile(file: StoredFile): Promise<BlobInfo | undefined> {
    return this.deps.blobs.stat(file.key);
  }

  readFile(file: StoredFile, range?: ByteRange): Promise<Readable> {
    return this.deps.blobs.read(file.key, range);
  }

  /** A short-lived URL straight into the blob store, or undefined when the API must stream the file. */
  directUrl(file: StoredFile, options: { expiresInSeconds: number; contentDisposition: string }): Promise<string | undefined> {
    return this.deps.blobs.directUrl(file.key, { ...options, contentType: file.contentType });
  }

  private async processImage(data: Buffer, format: ImageFormat) {
    const { images } = this.deps;
    try {
      const normalized = await images.normalize(data);
      if (normalized.format !== format) throw new ImageError('undecodable', 'The image format is ambiguous');
      const thumbnail = await images.thumbnail(normalized.data, THUMBNAIL_MAX_SIDE);
      return { data: normalized.data, width: normalized.width, height: normalized.height, thumbnail: thumbnail.data };
    } catch (error) {
      throw imageInputError(error, format);
    }
  }
}

// Thumbnails live beside their upload under a parallel prefix, so the upload is found from a
// thumbnail's key with one lookup on the indexed storage key.
const thumbnailKeyOf = (storageKey: string) => `t/${storageKey.slice(2)}.webp`;
const originalKeyOf = (key: string) => (key.startsWith('t/') && key.endsWith('.webp') ? `u/${key.slice(2, -'.webp'.length)}` : undefined);

/**
 * The name to show: the last path segment, without control characters or the bidirectional
 * overrides that make "gpj.exe" look like "exe.jpg", at most 255 characters (keeping the extension).
 */
export function sanitizeFileName(raw: string): string {
  const last = raw.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = last.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  let characters = Array.from(cleaned);
  if (characters.length > NAME_MAX) {
    const extension = Array.from(/\.[^.\s]{1,16}$/.exec(cleaned)?.[0] ?? '');
    characters = [...characters.slice(0, NAME_MAX - extension.length), ...extension];
  }
  const name = characters.join('').trim();
  return name === '' || name === '.' || name === '..' ? 'file' : name;
}

/** An ASCII name for the storage key (and so the URL): letters, digits and `. _ -`. */
function storageName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_');
  const extension = /\.[A-Za-z0-9]{1,10}$/.exec(ascii)?.[0].toLowerCase() ?? '';
  const base = ascii
    .slice(0, ascii.length - extension.length)
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 80);
  return `${base || 'file'}${extension}`;
}
