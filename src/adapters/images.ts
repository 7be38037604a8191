import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export interface ImageInfo {
  format: ImageFormat;
  /** As displayed: after the EXIF orientation, and one frame of an animation. */
  width: number;
  height: number;
  /** Frames of an animation; 1 for a still image. */
  frames: number;
}

export interface EncodedImage {
  data: Buffer;
  format: ImageFormat;
  width: number;
  height: number;
}

/** A post's photo in the sizes a feed shows, and a placeholder to draw before either arrives. */
export interface EncodedPostImage {
  display: EncodedImage;
  thumbnail: EncodedImage;
  /** A ThumbHash (about 25 bytes) in base64: a blurred preview with the image's aspect ratio. */
  placeholder: string;
}

export type ImageErrorReason = 'undecodable' | 'unsupported' | 'too_large';

/** Why an image was refused: not an image we read, or more pixels than allowed. */
export class ImageError extends Error {
  constructor(
    readonly reason: ImageErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}

export interface ImageProcessor {
  /** Reads only the header; throws ImageError when it is not a readable PNG, JPEG, WebP or GIF, or is too large. */
  inspect(data: Buffer): Promise<ImageInfo>;
  /** The same image in the same format, upright, with all metadata (EXIF, GPS, XMP, IPTC, ICC) removed. */
  normalize(data: Buffer): Promise<EncodedImage>;
  /** A WebP of the first frame whose longer side is at most `maxSide` (never enlarged). */
  thumbnail(data: Buffer, maxSide?: number): Promise<EncodedImage>;
  /**
   * Square WebPs of the first frame, upright, centre-cropped and scaled (up or down) to each of
   * `sides`, without metadata. Only that frame counts against the pixel limit.
   */
  avatar(data: Buffer, sides: readonly number[]): Promise<EncodedImage[]>;
  /**
   * WebPs of the first frame, upright and without metadata, whose longer side is at most
   * `sizes.display` and `sizes.thumbnail` (never enlarged), and their ThumbHash placeholder. Only
   * that frame counts against the pixel limit.
   */
  postImage(data: Buffer, sizes: { display: number; thumbnail: number }): Promise<EncodedPostImage>;
}

// ThumbHash encodes at most 100×100 pixels; more would not change the hash.
const PLACEHOLDER_MAX_SIDE = 100;

const formats: readonly string[] = ['png', 'jpeg', 'webp', 'gif'] satisfies ImageFormat[];

/**
 * Images through sharp (libvips). Decompression bombs — a few kilobytes that decode to gigabytes —
 * are refused from the header's dimensions before any pixel is decoded, and every decode also
 * carries the pixel limit so libvips refuses on its own if a header lies.
 */
export class SharpImageProcessor implements ImageProcessor {
  constructor(private readonly options: { maxPixels: number }) {}

  async inspect(data: Buffer): Promise<ImageInfo> {
    const metadata = await readHeader(data);
    const frames = Math.max(1, metadata.pages ?? 1);
    // An animation decodes every frame at once, so all of them count.
    if (metadata.width * metadata.height * frames > this.options.maxPixels) {
      throw new ImageError('too_large', `The image has more than ${this.options.maxPixels} pixels`);
    }
    const upright = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
    return { format: metadata.format, width: upright.width, height: upright.height, frames };
  }

  async normalize(data: Buffer): Promise<EncodedImage> {
    const info = await this.inspect(data);
    const animated = info.frames > 1;
    // Animations have no EXIF orientation to apply (and libvips cannot rotate them).
    let pipeline = this.open(data, { animated, autoOrient: !animated });
    pipeline = encode(pipeline, info.format);
    // sharp writes no metadata unless asked to, and converts colour to sRGB.
    const output = await this.run(pipeline);
    return { data: output.data, format: info.format, width: output.info.width, height: output.info.pageHeight ?? output.info.height };
  }

  async thumbnail(data: Buffer, maxSide = 320): Promise<EncodedImage> {
    await this.inspect(data);
    const pipeline = this.open(data, { animated: false, autoOrient: true })
      .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 });
    const output = await this.run(pipeline);
    return { data: output.data, format: 'webp', width: output.info.width, height: output.info.height };
  }

  async avatar(data: Buffer, sides: readonly number[]): Promise<EncodedImage[]> {
    await this.inspectFirstFrame(data);
    // Decoded and cropped once, to raw pixels at the largest side; each size is scaled from that.
    const largest = Math.max(...sides);
    const square = await this.run(
      this.open(data, { animated: false, autoOrient: true }).resize(largest, largest, { fit: 'cover', position: 'centre' }).toColourspace('srgb').raw(),
    );
    const { width, height, channels } = square.info;
    return Promise.all(
      sides.map(async (side) => {
        const output = await sharp(square.data, { raw: { width, height, channels } })
          .resize(side, side)
          .webp({ quality: 85 })
          .toBuffer({ resolveWithObject: true });
        return { data: output.data, format: 'webp' as const, width: output.info.width, height: output.info.height };
      }),
    );
  }

  async postImage(data: Buffer, sizes: { display: number; thumbnail: number }): Promise<EncodedPostImage> {
    await this.inspectFirstFrame(data);
    // Decoded once, to raw pixels at display size (a JPEG shrinks while it decodes); the
    // thumbnail and the placeholder are scaled from those pixels, not from the file again.
    const pixels = await this.run(
      this.open(data, { animated: false, autoOrient: true })
        .resize(sizes.display, sizes.display, { fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .raw(),
    );
    const { width, height, channels } = pixels.info;
    const fromPixels = () => sharp(pixels.data, { raw: { width, height, channels } });
    const webp = async (pipeline: Sharp): Promise<EncodedImage> => {
      const output = await pipeline.webp({ quality: 82 }).toBuffer({ resolveWithObject: true });
      return { data: output.data, format: 'webp', width: output.info.width, height: output.info.height };
    };
    const [display, thumbnail, placeholder] = await Promise.all([
      webp(fromPixels()),
      webp(fromPixels().resize(sizes.thumbnail, sizes.thumbnail, { fit: 'inside', withoutEnlargement: true })),
      fromPixels()
        .resize(PLACEHOLDER_MAX_SIDE, PLACEHOLDER_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ]);
    const hash = rgbaToThumbHash(placeholder.info.width, placeholder.info.height, placeholder.data);
    return { display, thumbnail, placeholder: Buffer.from(hash).toString('base64') };
  }

  /** Refuses, from the header alone, an image whose first frame has more pixels than allowed; for callers that decode only that frame. */
  private async inspectFirstFrame(data: Buffer): Promise<void> {
    const metadata = await readHeader(data);
    if (metadata.width * metadata.height > this.options.maxPixels) {
      throw new ImageError('too_large', `The image has more than ${this.options.maxPixels} pixels`);
    }
  }

  private open(data: Buffer, options: { animated: boolean; autoOrient: boolean }): Sharp {
    return sharp(data, { limitInputPixels: this.options.maxPixels, failOn: 'warning', ...options });
  }

  private async run(pipeline: Sharp): Promise<{ data: Buffer; info: OutputInfo }> {
    try {
      return await pipeline.toBuffer({ resolveWithObject: true });
    } catch (error) {
      const message = (error as Error).message;
      if (/pixel limit/i.test(message)) throw new ImageError('too_large', `The image has more than ${this.options.maxPixels} pixels`);
      throw new ImageError('undecodable', `The image cannot be decoded: ${message.split('\n')[0]}`);
    }
  }
}

/** The header of a PNG, JPEG, WebP or GIF, read without decoding a pixel. */
async function readHeader(data: Buffer): Promise<Metadata & { format: ImageFormat }> {
  let metadata: Metadata;
  try {
    // No pixel limit here: callers compare the dimensions themselves, so that "too large" is told apart from "broken".
    metadata = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImageError('undecodable', `Not a readable image: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!formats.includes(metadata.format)) throw new ImageError('unsupported', `Images in ${metadata.format} format are not supported`);
  return metadata as Metadata & { format: ImageFormat };
}

function encode(pipeline: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: 90 });
    case 'png':
      return pipeline.png();
    case 'webp':
      return pipeline.webp({ quality: 90 });
    case 'gif':
      return pipeline.gif();
  }
}
