import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, validationError } from '../services/errors.js';
import { sendProblem, type Problem } from './problem.js';

/** One file sent as multipart/form-data: routes that take a file share these rules. */

// Room for the multipart boundaries, part headers and the few small fields allowed beside the file.
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Turns on multipart parsing in `scope` (an encapsulated plugin, so no other route accepts
 * multipart bodies): one file of at most `maxBytes`, and a few small fields.
 */
export async function acceptOneFile(scope: FastifyInstance, maxBytes: number): Promise<void> {
  await scope.register(multipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 1024, fieldNameSize: 100, parts: 20, headerPairs: 50 },
    throwFileSizeLimit: true,
  });
}

/**
 * For onRequest: refuses a body that is not multipart (415) or declares a length far over the
 * limit (413), before reading it; the server discards what is still on the wire within bounds.
 */
export function refuseUnfitBody(request: FastifyRequest, reply: FastifyReply, maxBytes: number): FastifyReply | undefined {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'multipart/form-data') {
    reply.header('accept-post', 'multipart/form-data');
    return sendProblem(request, reply, {
      status: 415,
      code: 'unsupported_media_type',
      detail: 'Send the file as multipart/form-data with one file part',
    });
  }
  const declared = Number(request.headers['content-length']);
  if (declared > maxBytes + MULTIPART_OVERHEAD_BYTES) return sendProblem(request, reply, fileTooLarge(maxBytes));
  return undefined;
}

/** True for the error readOneFile throws when the file outgrows the limit while it is read. */
export const isFileTooLarge = (error: unknown) => (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE';

const fileTooLarge = (maxBytes: number): Problem => ({ status: 413, code: 'payload_too_large', detail: `The file is larger than ${maxBytes} bytes` });

/** The 413 for a file that outgrew the limit while it was read; the server discards the rest of the body within bounds (unread-body.ts). */
export const sendFileTooLarge = (request: FastifyRequest, reply: FastifyReply, maxBytes: number) => sendProblem(request, reply, fileTooLarge(maxBytes));

/** The one file part of the body; non-file fields are skipped. */
export async function readOneFile(request: FastifyRequest): Promise<{ filename: string; data: Buffer }> {
  let file: { filename: string; data: Buffer } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      // The plugin's file limit normally stops a second file before this point.
      if (file) throw tooManyFiles();
      // A file part may come with no filename at all (the types say otherwise).
      const filename: string | undefined = part.filename;
      file = { filename: filename ?? '', data: await part.toBuffer() };
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof DomainError || code === 'FST_REQ_FILE_TOO_LARGE') throw error;
    if (code === 'FST_FILES_LIMIT') throw tooManyFiles();
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw validationError('too_many_parts', 'Send one file part and at most a few small fields');
    }
    // Everything else the parser raises means the body is not well-formed multipart.
    request.log.debug({ err: error }, 'malformed multipart body');
    throw validationError('malformed_multipart', 'The body is not well-formed multipart/form-data');
  }
  if (!file) throw validationError('no_file', 'The body has no file part', [{ field: 'file', message: 'is required' }]);
  return file;
}

const tooManyFiles = () =>
  validationError('too_many_files', 'Send exactly one file per upload', [{ field: 'file', message: 'must be a single file' }]);
