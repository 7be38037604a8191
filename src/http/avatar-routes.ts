import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { BlobNotFoundError } from '../adapters/blobs/blob-store.js';
import type { Config } from '../config.js';
import { AVATAR_SIDES } from '../services/avatar-keys.js';
import type { AvatarService } from '../services/avatar-service.js';
import { DomainError } from '../services/errors.js';
import { Avatar, avatarView } from '../views/avatars.js';
import { principalOf } from './auth/authenticate.js';
import { acceptOneFile, isFileTooLarge, readOneFile, refuseUnfitBody, sendFileTooLarge } from './multipart.js';
import { sendProblem } from './problem.js';
import { limitPerClient } from './rate-limits.js';
import { fileResponse, fileResponses, notModified, problems } from './schemas.js';
import type { HttpServer } from './server.js';

export interface AvatarRouteDeps {
  config: Pick<Config, 'avatars' | 'rateLimits'>;
  avatars: AvatarService;
}

// The request is well-formed but its image is not one we take: 415 for the wrong type, 422 for an
// image we will not decode. Other refusals (no file, empty file) stay 400.
const statusOfImageProblem: Record<string, number> = { unsupported_image: 415, image_too_large: 422, invalid_image: 422 };

// A URL names one picture for good (a new avatar gets a new random prefix), so it may be cached as long as caches allow.
const CACHE_FOREVER = 'public, max-age=31536000, immutable';

/**
 * `PUT|DELETE /api/v1/users/me/avatar`, and `GET /files/avatars/…`, which serves every avatar to
 * anyone, like profile pictures anywhere: uploaded ones, and the generated defaults, drawn when
 * asked for and never stored. The more specific path wins over `/files/*` in the router.
 */
export async function registerAvatarRoutes(http: HttpServer, deps: AvatarRouteDeps): Promise<void> {
  const { avatars } = deps;
  const { maxBytes, maxPixels } = deps.config.avatars;
  const tags = ['users'];

  await http.register(async (scope) => {
    await acceptOneFile(scope, maxBytes);

    scope.put(
      '/api/v1/users/me/avatar',
      {
        // Credentials and the declared type and size are checked before a byte of the body is read.
        onRequest: async (request, reply) => refuseUnfitBody(request, reply, maxBytes),
        schema: {
          tags,
          operationId: 'uploadAvatar',
          summary: 'Upload a new avatar',
          description:
            `A multipart/form-data body with exactly one file part (any field name), at most ${maxBytes} bytes: a PNG, ` +
            'JPEG, WebP or GIF image, recognised from its bytes (anything else: 415 `unsupported_image`). It is stored ' +
            `upright and without metadata as square WebPs, centre-cropped to ${AVATAR_SIDES.large} and ` +
            `${AVATAR_SIDES.small} pixels (an animation gives its first frame). Images of more than ${maxPixels} ` +
            'pixels are refused from their header (422 `image_too_large`), and files that do not decode too (422 ' +
            '`invalid_image`). The new avatar has new URLs; the previous one’s stop working.',
          multipartBody: Type.Object({ file: Type.String({ format: 'binary', description: 'The image (any field name)' }) }, { required: ['file'] }),
          response: {
            200: Avatar,
            ...problems('avatar_busy', 'no_file', 'empty_file', 'too_many_files', ['unsupported_image', 415], ['image_too_large', 422], ['invalid_image', 422]),
          },
        },
      },
      async (request, reply) => {
        const userId = principalOf(request).userId;
        let file: { data: Buffer };
        try {
          file = await readOneFile(request);
        } catch (error) {
          if (isFileTooLarge(error)) return sendFileTooLarge(request, reply, maxBytes);
          throw error;
        }
        try {
          return avatarView(await avatars.set(userId, file.data));
        } catch (error) {
          const status = error instanceof DomainError ? statusOfImageProblem[error.code] : undefined;
          if (!(error instanceof DomainError) || status === undefined) throw error;
          return sendProblem(request, reply, { status, code: error.code, detail: error.message, errors: error.details.fields });
        }
      },
    );
  });

  http.delete(
    '/api/v1/users/me/avatar',
    {
      schema: {
        tags,
        operationId: 'resetAvatar',
        summary: 'Go back to the generated avatar',
        description: 'Deletes the uploaded avatar, if any, and answers with the default one: initials on a colour. Doing it twice changes nothing.',
        response: { 200: Avatar, ...problems('avatar_busy') },
      },
    },
    async (request) => avatarView(await avatars.reset(principalOf(request).userId)),
  );

  http.route({
    // HEAD is declared so that it answers from the metadata, without reading the file.
    method: ['GET', 'HEAD'],
    url: '/files/avatars/*',
    // Anyone may ask for any key, and a default avatar costs a drawing: per client address.
    config: { access: 'public', ...limitPerClient(deps.config.rateLimits.files, 'avatars') },
    schema: {
      tags,
      operationId: 'getAvatarImage',
      summary: 'An avatar image',
      description:
        'Public, like profile pictures anywhere: the `small` and `large` URLs of an avatar, as WebP. They never change ' +
        'content, so they are cacheable for a year; supports `If-None-Match`. Unknown avatars, and replaced ones, are 404. ' +
        'Default avatars are drawn when asked for and never stored. Requests are limited per client address ' +
        '(`RATE_LIMIT_FILES`; 429 with Retry-After beyond it).',
      response: fileResponses({ 200: fileResponse('The WebP image', 'image/webp'), 304: notModified, ...problems('rate_limited', 'not_found') }),
    },
    handler: async (request, reply) => {
      const key = `avatars/${(request.params as { '*': string })['*']}`;
      const notFound = () => sendProblem(request, reply, { status: 404, code: 'not_found', detail: 'No such avatar' });
      const file = await avatars.findFile(key);
      if (!file) return notFound();

      const etag = `"${file.etag}"`;
      const cacheable = () =>
        reply
          .header('etag', etag)
          .header('cache-control', CACHE_FOREVER)
          // Client apps on other origins show avatars in <img> tags.
          .header('cross-origin-resource-policy', 'cross-origin');
      if (matchesAny(request.headers['if-none-match'], etag)) return cacheable().code(304).send();

      let body: Readable | Buffer | undefined;
      if (request.method !== 'HEAD') {
        try {
          body = await file.open();
        } catch (error) {
          // Replaced between the lookup and the read.
          if (error instanceof BlobNotFoundError) return notFound();
          throw error;
        }
      }
      cacheable().type('image/webp').header('content-length', String(file.size)).header('x-content-type-options', 'nosniff');
      return reply.send(body);
    },
  });
}

/** If-None-Match compares weakly: `W/"x"` matches `"x"`. */
function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
