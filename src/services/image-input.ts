import { fileTypeFromBuffer } from 'file-type';
import { ImageError, type ImageFormat } from '../adapters/images.js';
import { validationError } from './errors.js';

/** The image types we decode and re-encode ourselves; nothing else is ever treated as an image. */
const imageFormats = new Map<string, ImageFormat>([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/webp', 'webp'],
  ['image/gif', 'gif'],
]);

export const isImageType = (contentType: string) => imageFormats.has(contentType);

/**
 * The type the bytes prove, from their signature (never the name or the client's Content-Type),
 * with the image format when it is one of ours; undefined when no signature matches (text, for one).
 */
export async function detectType(data: Buffer): Promise<{ contentType: string; imageFormat: ImageFormat | undefined } | undefined> {
  const detected = await fileTypeFromBuffer(data);
  return detected && { contentType: detected.mime, imageFormat: imageFormats.get(detected.mime) };
}

/**
 * What a client is told when bytes that start like a `format` image cannot be used; other errors
 * pass through. `field` names the file among the request's (`images[2]`).
 */
export function imageInputError(error: unknown, format: ImageFormat, field = 'file'): unknown {
  if (!(error instanceof ImageError)) return error;
  if (error.reason === 'too_large') {
    return validationError('image_too_large', error.message, [{ field, message: 'has too many pixels' }]);
  }
  return validationError('invalid_image', `The file is a ${format.toUpperCase()} image that cannot be decoded`, [
    { field, message: 'is not a valid image' },
  ]);
}

export const emptyFileError = (field = 'file') => validationError('empty_file', 'The file is empty', [{ field, message: 'must not be empty' }]);
