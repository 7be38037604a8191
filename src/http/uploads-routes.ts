import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { isValidBlobKey, type ByteRange } from '../adapters/blobs/blob-store.js';
import type { FileUrls } from '../adapters/file-urls.js';
import type { Config } from '../config.js';
import type { StoredFile, UploadService } from '../services/upload-service.js';
import { principalOf } from './auth/authenticate.js';
import type { Guard } from './auth/route-access.js';
import { SESSION_COOKIE } from './auth/cookies.js';
import { acceptOneFile, isFileTooLarge, readOneFile, refuseUnfitBody, sendFileTooLarge } from './multipart.js';
import { sendProblem } from './problem.js';
import { limitPerClient } from './rate-limits.js';
import { fileResponse, fileResponses, notModified, problems, signedIn } from './schemas.js';
import type { HttpServer } from './server.js';
import { Attachment, uploadView } from '../views/uploads.js';

export interface UploadRouteDeps {
  config: Pick<Config, 'uploads' | 's3' | 'rateLimits'>;
  uploads: UploadService;
  fileUrls: FileUrls;
  /** For downloads without a signed URL: the credential check, run only when credentials came. */
  authenticate: Guard;
}

/**
 * `POST /api/v1/uploads` (one file as multipart/form-data) and `GET /files/<key>`, which serves
 * stored files to holders of a signed URL or to signed-in users allowed to read them.
 */
export async function registerUploads(http: HttpServer, deps: UploadRouteDeps): Promise<void> {
  const { uploads, fileUrls, authenticate } = deps;
  const { maxBytes } = deps.config.uploads;
  const directUrlTtl = deps.config.s3?.urlTtlSeconds ?? 0;
  const tags = ['uploads'];

  // Multipart parsing exists only in this scope: no other route accepts multipart bodies.
  await http.register(async (scope) => {
    await acceptOneFile(scope, maxBytes);

    scope.post(
      '/api/v1/uploads',
      {
        // Credentials and the declared type and size are checked before a byte of the body is read.
        onRequest: async (request, reply) => refuseUnfitBody(request, reply, maxBytes),
        schema: {
          tags,
          operationId: 'uploadFile',
          summary: 'Upload one file',
          description:
            'A multipart/form-data body with exactly one file part (any field name); other fields are ignored. ' +
            'The type is read from the bytes. PNG, JPEG, WebP and GIF images are stored re-encoded, upright and without ' +
            'metadata (EXIF, GPS), with their size and a WebP thumbnail; images with too many pixels are refused ' +
            '(`image_too_large`), as are files that start like an image but do not decode (`invalid_image`). Anything ' +
            'else is stored as it came and served as a download. Until it is attached to a message only the uploader may read it.',
          multipartBody: Type.Object({ file: Type.String({ format: 'binary', description: 'The file (any field name)' }) }, { required: ['file'] }),
          response: { 201: Attachment, ...problems('no_file', 'empty_file', 'too_many_files', ['invalid_image', 400], ['image_too_large', 400]) },
        },
      },
      async (request, reply) => {
        const userId = principalOf(request).userId;
        let file: { filename: string; data: Buffer };
        try {
          file = await readOneFile(request);
        } catch (error) {
          if (isFileTooLarge(error)) return sendFileTooLarge(request, reply, maxBytes);
          throw error;
        }
        const upload = await uploads.create(userId, file);
        return reply.code(201).send(uploadView(upload, fileUrls));
      },
    );
  });

  http.route({
    // HEAD is declared so that it answers from the metadata, without reading the file.
    method: ['GET', 'HEAD'],
    url: '/files/*',
    // Anyone may try any URL here: probes and downloads count alike, per client address.
    config: { access: 'public', ...limitPerClient(deps.config.rateLimits.files, 'files') },
    schema: {
      tags,
      operationId: 'getFile',
      summary: 'Download a stored file',
      description:
        'Readable with a signed URL as returned in `url` and `thumbnailUrl` (no credentials needed until `exp`), ' +
        'or with credentials by a user allowed to read the file. Unknown files and files you may not read are both 404. ' +
        'Supports `Range: bytes=…` and `If-None-Match`. Only images are served inline; anything else is a download. ' +
        'Requests are limited per client address (`RATE_LIMIT_FILES`; 429 with Retry-After beyond it). ' +
        'When files live in an S3-compatible bucket, the answer is instead a 302 to a presigned URL of a few minutes, ' +
        'which serves the same bytes and headers (and ranges) from the bucket.',
      security: [{}, ...signedIn],
      querystring: Type.Object({
        exp: Type.Optional(Type.String({ maxLength: 20, description: 'Expiry of a signed URL, Unix seconds' })),
        sig: Type.Optional(Type.String({ maxLength: 100, description: 'Signature of a signed URL' })),
      }),
      response: fileResponses({
        200: fileResponse('The file: inline for images, else as a download (`Content-Disposition`)', 'application/octet-stream'),
        206: fileResponse('The range asked for', 'application/octet-stream'),
        302: Type.Null({ description: 'Files in an S3-compatible bucket: to a presigned URL that serves the same bytes' }),
        304: notModified,
        ...problems('rate_limited', 'not_found', 'range_not_satisfiable'),
      }),
    },
    handler: async (request, reply) => {
      const key = (request.params as { '*': string })['*'];
      const { exp, sig } = request.query;
      const notFound = () => sendProblem(request, reply, { status: 404, code: 'not_found', detail: 'No such file' });
      if (!isValidBlobKey(key)) return notFound();

      const signed = exp !== undefined && sig !== undefined && fileUrls.verify(key, exp, sig);
      // Without a valid signature, only a signed-in reader may have it; anonymous probes cost no query.
      if (!signed) {
        if (!hasCredentials(request)) return notFound();
        await authenticate(request, reply);
      }
      const file = await uploads.findFile(key);
      if (!file || (!signed && !(await uploads.canRead(principalOf(request).userId, file.upload)))) return notFound();

      // With a bucket behind us, the reader now gets the bytes from it directly: a presigned URL
      // that lives a few minutes (or less, when this URL expires sooner), with the same headers.
      const directTtl = signed ? Math.min(directUrlTtl, fileUrls.secondsLeft(exp)) : directUrlTtl;
      const direct = await uploads.directUrl(file, { expiresInSeconds: directTtl, contentDisposition: dispositionOf(file) });
      if (direct !== undefined) {
        // The redirect may be reused for half the presigned URL's life, and only by this reader.
        return reply.code(302).header('location', direct).header('cache-control', `private, max-age=${Math.floor(directTtl / 2)}`).send();
      }

      const info = await uploads.statFile(file);
      if (!info) return notFound();

      const etag = `"${info.etag}"`;
      // Keys are never reused, so a signed response stays right for as long as its URL works. Without a
      // signature access can be withdrawn (leaving a chat), so caches must ask again each time.
      const cacheControl = signed ? `private, max-age=${fileUrls.secondsLeft(exp)}, immutable` : 'private, no-cache';
      reply.header('etag', etag).header('cache-control', cacheControl);
      if (matchesAny(request.headers['if-none-match'], etag)) return reply.code(304).send();

      const range = requestedRange(request, info.size, etag);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${info.size}`).header('cache-control', 'no-store');
        return sendProblem(request, reply, { status: 416, code: 'range_not_satisfiable', detail: `The file has ${info.size} bytes` });
      }
      sendFileHeaders(reply, file, signed);
      if (range) {
        reply
          .code(206)
          .header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
          .header('content-length', String(range.end - range.start + 1));
      } else {
        reply.header('content-length', String(info.size));
      }
      if (request.method === 'HEAD') return reply.send();
      return reply.send(await uploads.readFile(file, range));
    },
  });
}

function hasCredentials(request: FastifyRequest): boolean {
  return request.headers.authorization !== undefined || Boolean(request.cookies[SESSION_COOKIE]);
}

/** If-None-Match compares weakly: `W/"x"` matches `"x"`. */
function matchesAny(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/**
 * One byte range from `Range: bytes=…`, 'unsatisfiable', or undefined to send the whole file: when
 * there is no Range, it is malformed or asks for several ranges (allowed by RFC 9110), or an
 * If-Range names another version.
 */
function requestedRange(request: FastifyRequest, size: number, etag: string): ByteRange | 'unsatisfiable' | undefined {
  const header = request.headers.range;
  if (!header) return undefined;
  const ifRange = request.headers['if-range'];
  if (ifRange !== undefined && String(ifRange).trim() !== etag) return undefined;
  const match = /^bytes=\s*(\d{0,15})\s*-\s*(\d{0,15})\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

function sendFileHeaders(reply: FastifyReply, file: StoredFile, signed: boolean): void {
  reply
    .type(file.contentType)
    .header('accept-ranges', 'bytes')
    // A download can never run as a page in our origin, even if it is HTML or SVG; images shown
    // inline get the same policy, which forbids scripts anyway.
    .header('content-disposition', dispositionOf(file))
    .header('content-security-policy', "default-src 'none'; sandbox");
  // A signed URL is meant to be embedded by the client app wherever it runs, like a bucket URL.
  if (signed) reply.header('cross-origin-resource-policy', 'cross-origin');
}

const dispositionOf = (file: StoredFile) => contentDisposition(file.inline ? 'inline' : 'attachment', file.name);

/** RFC 6266: an ASCII fallback name, and the real one in RFC 8187 encoding. */
function contentDisposition(type: 'inline' | 'attachment', name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
