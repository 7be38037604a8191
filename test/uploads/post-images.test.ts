import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA, thumbHashToRGBA } from 'thumbhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/adapters/blobs/blob-store.js';
import { FsBlobStore } from '../../src/adapters/blobs/fs-blob-store.js';
import { type S3BlobStore } from '../../src/adapters/blobs/s3-blob-store.js';
import { SharpImageProcessor, type EncodedPostImage, type ImageProcessor } from '../../src/adapters/images.js';
import { displayKey, PostImages, thumbnailKey, type StoredPostImage } from '../../src/services/posts/post-images.js';
import { blackPng } from '../helpers/images.js';
import { startLocalS3, type LocalS3 } from '../helpers/s3.js';

// The default MAX_IMAGE_PIXELS.
const MAX_PIXELS = 40_000_000;

// --- images --------------------------------------------------------------------------------------

const solid = (colour: string, width: number, height: number) => sharp({ create: { width, height, channels: 3, background: colour } });

/** A photo-like JPEG: noise compresses and decodes like a camera's picture, not like a flat colour. */
const noisyJpeg = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 85 })
    .toBuffer();

/**
 * As a phone stores it: sideways, red above blue, with the EXIF orientation (90° clockwise) that
 * shows it as blue | red, where it was taken, who made it, and a colour profile.
 */
function phonePhoto(): Promise<Buffer> {
  const raw = Buffer.alloc(300 * 100 * 3);
  for (let i = 0; i < 300 * 100; i++) raw[i * 3 + (i < 300 * 50 ? 0 : 2)] = 255;
  return sharp(raw, { raw: { width: 300, height: 100, channels: 3 } })
    .withExif({
      IFD0: { Copyright: 'COPY-MARK', Make: 'SpyCam' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .withIccProfile('p3')
    .jpeg({ quality: 95 })
    .toBuffer();
}

async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}
const near = (actual: number[], expected: number[]) => actual.every((value, i) => Math.abs(value - expected[i]!) <= 40);

const decodePlaceholder = (placeholder: string) => Buffer.from(placeholder, 'base64');

// --- stores --------------------------------------------------------------------------------------

interface StoreUnderTest {
  blobs: BlobStore;
  /** Every key in the store, sorted. */
  keys(): Promise<string[]>;
}

/** The store, except that its `failAt`th put fails. */
function failingOnPut(inner: BlobStore, failAt: number): BlobStore {
  let puts = 0;
  return {
    put: async (key, body, contentType) => {
      puts += 1;
      if (puts === failAt) throw new Error('disk full');
      await inner.put(key, body, contentType);
    },
    stat: (key) => inner.stat(key),
    read: (key, range) => inner.read(key, range),
    delete: (key) => inner.delete(key),
    directUrl: (key, options) => inner.directUrl(key, options),
  };
}

async function filesUnder(root: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, prefix), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries
      // The store's own bookkeeping (metadata, temporary files) starts with a dot.
      .filter((entry) => !entry.name.startsWith('.'))
      .map(async (entry) => (entry.isDirectory() ? filesUnder(root, path.posix.join(prefix, entry.name)) : [path.posix.join(prefix, entry.name)])),
  );
  return nested.flat().sort();
}

// --- the behaviour, on either store ----------------------------------------------------------------

function postImagesOn(name: string, open: () => StoreUnderTest) {
  describe(`PostImages on ${name}`, () => {
    const processor = new SharpImageProcessor({ maxPixels: MAX_PIXELS });
    const reported: string[] = [];
    const postImages = (blobs: BlobStore) => new PostImages({ images: processor, blobs, reportError: (_error, message) => reported.push(message) });
    const read = async (key: string) => buffer(await open().blobs.read(key));

    async function storeOne(data: Buffer): Promise<{ stored: StoredPostImage; display: Buffer; thumbnail: Buffer }> {
      const images = postImages(open().blobs);
      const [stored] = await images.store(await images.prepare([{ data }]));
      return { stored: stored!, display: await read(displayKey(stored!.key)), thumbnail: await read(thumbnailKey(stored!.key)) };
    }

    it('stores a sideways phone photo upright, width and height swapped, as WebPs in the blob store', async () => {
      const { stored, display, thumbnail } = await storeOne(await phonePhoto());
      expect(stored).toEqual({ key: expect.stringMatching(/^posts\/[\w-]{22}$/) as string, width: 100, height: 300, placeholder: expect.any(String) as string });
      for (const image of [display, thumbnail]) {
        expect(await sharp(image).metadata()).toMatchObject({ format: 'webp', width: 100, height: 300 });
        // Blue on the left, red on the right, as the phone showed it.
        expect(near(await pixel(image, 20, 150), [0, 0, 255])).toBe(true);
        expect(near(await pixel(image, 80, 150), [255, 0, 0])).toBe(true);
      }
      for (const key of [displayKey(stored.key), thumbnailKey(stored.key)]) {
        expect((await open().blobs.stat(key))?.contentType).toBe('image/webp');
      }
    });

    it('keeps no EXIF, GPS, colour profile or orientation', async () => {
      const original = await phonePhoto();
      const before = await sharp(original).metadata();
      expect(before.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true); // the GPS IFD pointer
      expect(before.hasProfile).toBe(true);
      const { display, thumbnail } = await storeOne(original);
      for (const image of [display, thumbnail]) {
        const metadata = await sharp(image).metadata();
        expect(metadata.exif).toBeUndefined();
        expect(metadata.xmp).toBeUndefined();
        expect(metadata.icc).toBeUndefined();
        expect(metadata.orientation).toBeUndefined();
        expect(image.includes('SpyCam')).toBe(false);
        expect(image.includes('COPY-MARK')).toBe(false);
        expect(image.includes('EXIF')).toBe(false);
      }
    });

    it('scales a camera photo to 1,600 pixels for display and 400 for the thumbnail, keeping its shape', async () => {
      const landscape = await storeOne(await noisyJpeg(4000, 3000));
      expect(landscape.stored).toMatchObject({ width: 1600, height: 1200 });
      expect(await sharp(landscape.display).metadata()).toMatchObject({ format: 'webp', width: 1600, height: 1200 });
      expect(await sharp(landscape.thumbnail).metadata()).toMatchObject({ format: 'webp', width: 400, height: 300 });

      const portrait = await storeOne(await solid('#336699', 1000, 2400).png().toBuffer());
      expect(portrait.stored).toMatchObject({ width: 667, height: 1600 });
      expect(await sharp(portrait.thumbnail).metadata()).toMatchObject({ width: 167, height: 400 });
    });

    it('never enlarges a small image', async () => {
      const medium = await storeOne(await solid('#336699', 640, 480).png().toBuffer());
      expect(medium.stored).toMatchObject({ width: 640, height: 480 });
      expect(await sharp(medium.display).metadata()).toMatchObject({ width: 640, height: 480 });
      expect(await sharp(medium.thumbnail).metadata()).toMatchObject({ width: 400, height: 300 });

      const tiny = await storeOne(await solid('#336699', 120, 90).png().toBuffer());
      expect(tiny.stored).toMatchObject({ width: 120, height: 90 });
      for (const image of [tiny.display, tiny.thumbnail]) expect(await sharp(image).metadata()).toMatchObject({ width: 120, height: 90 });
    });

    it('keeps the colours of 16-bit, greyscale and transparent PNGs', async () => {
      const red16 = await storeOne(await solid('#ff0000', 60, 40).toColourspace('rgb16').png().toBuffer());
      expect(near(await pixel(red16.display, 30, 20), [255, 0, 0])).toBe(true);
      const grey = await storeOne(await solid('#404040', 60, 40).toColourspace('b-w').png().toBuffer());
      expect(near(await pixel(grey.display, 30, 20), [64, 64, 64])).toBe(true);
      const halfClear = sharp({ create: { width: 60, height: 40, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0.5 } } });
      const { display } = await storeOne(await halfClear.png().toBuffer());
      const { data, info } = await sharp(display).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(4);
      expect(Math.abs(data[3]! - 128)).toBeLessThanOrEqual(8);
    });

    it('takes the first frame of an animated GIF', async () => {
      const frames = await Promise.all(['#0000ff', '#ff0000'].map((colour) => solid(colour, 40, 30).png().toBuffer()));
      const gif = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
      expect((await sharp(gif).metadata()).pages).toBe(2);
      const { stored, display } = await storeOne(gif);
      expect(stored).toMatchObject({ width: 40, height: 30 });
      expect((await sharp(display).metadata()).pages ?? 1).toBe(1);
      expect(near(await pixel(display, 20, 15), [0, 0, 255])).toBe(true);
    });

    it('gives a placeholder that draws a blurred preview of the right shape and colour', async () => {
      const images = postImages(open().blobs);
      const [wide, tall, red, faint] = await images.prepare([
        { data: await noisyJpeg(2000, 1000) },
        { data: await solid('#336699', 500, 1000).png().toBuffer() },
        { data: await solid('#ff0000', 300, 300).jpeg().toBuffer() },
        { data: await sharp({ create: { width: 200, height: 200, channels: 4, background: { r: 0, g: 128, b: 0, alpha: 0.25 } } }).png().toBuffer() },
      ]);
      for (const [image, aspect] of [
        [wide!, 2],
        [tall!, 0.5],
        [red!, 1],
      ] as const) {
        const hash = decodePlaceholder(image.placeholder);
        expect(hash.length).toBeLessThanOrEqual(30);
        const drawn = thumbHashToRGBA(hash);
        expect(drawn.w / drawn.h).toBeCloseTo(aspect, 0);
        expect(Math.abs(thumbHashToApproximateAspectRatio(hash) / aspect - 1)).toBeLessThan(0.15);
      }
      const average = thumbHashToAverageRGBA(decodePlaceholder(red!.placeholder));
      expect(average.r).toBeGreaterThan(0.85);
      expect(average.g + average.b).toBeLessThan(0.15);
      // Transparency shows through the preview too.
      expect(thumbHashToAverageRGBA(decodePlaceholder(faint!.placeholder)).a).toBeLessThan(0.5);
    });

    it('refuses a 100-megapixel PNG of a few kilobytes from its header, at once, storing nothing', async () => {
      const bomb = blackPng(10_000, 10_000);
      expect(bomb.length).toBeLessThan(64 * 1024);
      const before = await open().keys();
      const started = performance.now();
      await expect(postImages(open().blobs).prepare([{ data: await solid('#ffffff', 10, 10).png().toBuffer() }, { data: bomb }])).rejects.toMatchObject({
        kind: 'validation',
        code: 'image_too_large',
        details: { fields: [{ field: 'images[1]', message: 'has too many pixels' }] },
      });
      // Decoding it would take seconds and hundreds of megabytes.
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await open().keys()).toEqual(before);
    });

    it('refuses a truncated JPEG, a text file and an empty file, naming which one', async () => {
      const good = { data: await solid('#ffffff', 10, 10).png().toBuffer() };
      const jpeg = await noisyJpeg(400, 300);
      const before = await open().keys();
      const images = postImages(open().blobs);
      await expect(images.prepare([good, good, { data: jpeg.subarray(0, jpeg.length / 2) }])).rejects.toMatchObject({
        kind: 'validation',
        code: 'invalid_image',
        details: { fields: [{ field: 'images[2]', message: 'is not a valid image' }] },
      });
      await expect(images.prepare([good, { data: Buffer.from('just some words, not a picture\n') }])).rejects.toMatchObject({
        kind: 'validation',
        code: 'unsupported_image',
        details: { fields: [{ field: 'images[1]', message: 'must be a PNG, JPEG, WebP or GIF image' }] },
      });
      await expect(images.prepare([{ data: Buffer.alloc(0) }, good])).rejects.toMatchObject({
        kind: 'validation',
        code: 'empty_file',
        details: { fields: [{ field: 'images[0]', message: 'must not be empty' }] },
      });
      expect(await open().keys()).toEqual(before);
    });

    it('leaves no file behind when a write fails halfway through a post', async () => {
      const prepared = await postImages(open().blobs).prepare(
        await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map(async (colour) => ({ data: await solid(colour, 50, 50).png().toBuffer() }))),
      );
      const before = await open().keys();
      await expect(postImages(failingOnPut(open().blobs, 3)).store(prepared)).rejects.toThrow('disk full');
      expect(await open().keys()).toEqual(before);
      expect(reported).toEqual([]);
    });

    it('removes both files of each image, and a second removal is no error', async () => {
      const before = await open().keys();
      const images = postImages(open().blobs);
      const stored = await images.store(
        await images.prepare(await Promise.all(['#ff0000', '#0000ff'].map(async (colour) => ({ data: await solid(colour, 50, 50).png().toBuffer() })))),
      );
      expect(new Set(stored.map((image) => image.key)).size).toBe(2);
      const [first, second] = stored;
      expect(await open().keys()).toEqual(
        [...before, displayKey(first!.key), thumbnailKey(first!.key), displayKey(second!.key), thumbnailKey(second!.key)].sort(),
      );

      await images.remove([first!]);
      expect(await open().keys()).toEqual([...before, displayKey(second!.key), thumbnailKey(second!.key)].sort());
      await images.remove([first!, second!]);
      expect(await open().keys()).toEqual(before);
      expect(reported).toEqual([]);
    });
  });
}

describe('on disk', () => {
  let dir: string;
  let blobs: FsBlobStore;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msg-post-images-'));
    blobs = new FsBlobStore(path.join(dir, 'files'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  postImagesOn('the filesystem', () => ({ blobs, keys: () => filesUnder(path.join(dir, 'files')) }));
});

describe('in S3', () => {
  let s3: LocalS3;
  let blobs: S3BlobStore;
  beforeAll(async () => {
    s3 = await startLocalS3();
    blobs = s3.blobStore();
  });
  afterAll(async () => {
    blobs?.close();
    await s3?.close();
  });

  postImagesOn('the local S3 server', () => ({ blobs, keys: () => s3.keys() }));
});

describe('PostImages.prepare', () => {
  it('works through a post’s images one at a time, in order', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const encoded = { data: Buffer.alloc(1), format: 'webp', width: 1, height: 1 } as const;
    const refuse = () => Promise.reject(new Error('not used'));
    const images: ImageProcessor = {
      inspect: refuse,
      normalize: refuse,
      thumbnail: refuse,
      avatar: refuse,
      postImage: async (data): Promise<EncodedPostImage> => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        seen.push((await sharp(data).metadata()).width);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { display: encoded, thumbnail: encoded, placeholder: '' };
      },
    };
    // Preparing stores nothing.
    const blobs: BlobStore = { put: refuse, stat: refuse, read: refuse, delete: refuse, directUrl: refuse };
    const files = Array.from({ length: 10 }, (_, i) => ({ data: blackPng(i + 1, 1) }));
    const prepared = await new PostImages({ images, blobs, reportError: () => {} }).prepare(files);
    expect(prepared).toHaveLength(10);
    expect(most).toBe(1);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
