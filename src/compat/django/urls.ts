import type { FastifyRequest } from 'fastify';
import { publicBase } from '../../http/public-url.js';

/**
 * The absolute URL of a path of the dialect serving this request (for links in mail): on the
 * public URL when it is set, else on the address the request came to, under the dialect's mount.
 */
export function dialectUrl(request: FastifyRequest, publicUrl: string | undefined, mount: string, path: string): string {
  return `${publicBase(request, publicUrl)}${mount}${path}`;
}
