import { Type } from 'typebox';
import { BlobNotFoundError, isValidBlobKey, type BlobStore } from '../adapters/blobs/blob-store.js';
import type { FileUrls } from '../adapters/file-urls.js';
import { sendProblem } from './problem.js';
import { fileResponse, fileResponses, notModified, problems } from './schemas.js';
import type { HttpServer } from './server.js';

/**
 * `GET /files/posts/<key>`: a post's image files, to holders of the signed URL a post's JSON
 * carries (whoever may see the post). Keys never change content, so a response is cacheable for as
 * long as its URL works; with a bucket behind us, the reader is sent to a presigned URL instead.
 */
export function registerPostImageRoutes(app: HttpServer, deps: { blobs: BlobStore; fileUrls: FileUrls; directUrlTtlSeconds: number }): void {
  const { blobs, fileUrls } = deps;
  app.route({
    method: ['GET', 'HEAD'],
    url: '/files/posts/*',
    config: { access: 'public' },
    schema: {
      tags: ['posts'],
      operationId: 'getPostImage',
      summary: 'A post image file, by the signed URL in the post',
      querystring: Type.Object({ exp: Type.Optional(Type.String({ maxLength: 20 })), sig: Type.Optional(Type.String({ maxLength: 100 })) }),
      response: fileResponses({
        200: fileResponse('The WebP image', 'image/webp'),
        302: Type.Null({ description: 'Images in an S3-compatible bucket: to a presigned URL that serves the same bytes' }),
        304: notModified,
        ...problems('not_found'),
      }),
    },
    handler: async (request, reply) => {
      const key = `posts/${(request.params as { '*': string })['*']}`;
      const { exp, sig } = request.query;
      const notFound = () => sendProblem(request, reply, { status: 404, code: 'not_found', detail: 'No such file' });
      if (!isValidBlobKey(key) || !fileUrls.verify(key, exp, sig)) return notFound();
      const secondsLeft = fileUrls.secondsLeft(exp);
      const direct = await blobs.directUrl(key, {
        expiresInSeconds: Math.min(deps.directUrlTtlSeconds, secondsLeft),
        contentType: 'image/webp',
        contentDisposition: 'inline',
      });
      if (direct !== undefined) return reply.code(302).header('location', direct).header('cache-control', 'private, no-cache').send();
      const info = await blobs.stat(key);
      if (!info) return notFound();
      const etag = `"${info.etag}"`;
      reply.header('etag', etag).header('cache-control', `private, max-age=${secondsLeft}, immutable`).header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match']?.split(',').some((tag) => [etag, `W/${etag}`].includes(tag.trim()))) return reply.code(304).send();
      reply.type('image/webp').header('content-length', String(info.size));
      if (request.method === 'HEAD') return reply.send();
      try {
        return reply.send(await blobs.read(key));
      } catch (error) {
        if (error instanceof BlobNotFoundError) return notFound();
        throw error;
      }
    },
  });
}
