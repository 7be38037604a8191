import { thumbHashToDataURL } from 'thumbhash';

const cache = new Map<string, string | undefined>();

/** A blurred picture of an image from its ThumbHash (base64), drawn while the image loads; undefined for a hash that does not decode. */
export function placeholderUrl(hash: string): string | undefined {
  if (!cache.has(hash)) {
    try {
      cache.set(hash, thumbHashToDataURL(Uint8Array.from(atob(hash), (c) => c.charCodeAt(0))));
    } catch {
      cache.set(hash, undefined);
    }
  }
  return cache.get(hash);
}
