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
  await acceptFiles(scope, { maxBytes, files: 1, fieldSize: 1024 });
}

/** Multipart parsing in `scope`: up to `files` files of at most `maxBytes` each, and `fields` (10 unless said) text fields of at most `fieldSize` bytes. */
export async function acceptFiles(scope: FastifyInstance, limits: { maxBytes: number; files: number; fieldSize: number; fields?: number }): Promise<void> {
  const fields = limits.fields ?? 10;
  await scope.register(multipart, {
    limits: { fileSize: limits.maxBytes, files: limits.files, fields, fieldSize: limits.fieldSize, fieldNameSize: 100, parts: limits.files + fields, headerPairs: 50 },
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
  const { files } = await readParts(request, { tooManyFiles });
  // The plugin's file limit normally stops a second file before this point.
  if (files.length > 1) throw tooManyFiles();
  const [file] = files;
  if (!file) throw validationError('no_file', 'The body has no file part', [{ field: 'file', message: 'is required' }]);
  return file;
}

/**
 * Every part of the body: the files, in order, and the text fields (a field sent twice is refused).
 * `tooManyFiles` is the error for more files than the scope accepts.
 */
export async function readParts(
  request: FastifyRequest,
  options: { tooManyFiles: () => DomainError },
): Promise<{ files: Array<{ field: string; filename: string; data: Buffer }>; fields: Map<string, string> }> {
  const files: Array<{ field: string; filename: string; data: Buffer }> = [];
  const fields = new Map<string, string>();
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        // A file part may come with no filename at all (the types say otherwise).
        const filename: string | undefined = part.filename;
        files.push({ field: part.fieldname, filename: filename ?? '', data: await part.toBuffer() });
        continue;
      }
      if (part.valueTruncated) throw validationError('validation_failed', `${part.fieldname} is too long`, [{ field: part.fieldname, message: 'is too long' }]);
      if (fields.has(part.fieldname)) throw validationError('validation_failed', `${part.fieldname} is sent twice`, [{ field: part.fieldname, message: 'must be sent once' }]);
      fields.set(part.fieldname, typeof part.value === 'string' ? part.value : String(part.value));
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (error instanceof DomainError || code === 'FST_REQ_FILE_TOO_LARGE') throw error;
    if (code === 'FST_FILES_LIMIT') throw options.tooManyFiles();
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw validationError('too_many_parts', 'The body has more parts or fields than this route takes');
    }
    // Everything else the parser raises means the body is not well-formed multipart.
    request.log.debug({ err: error }, 'malformed multipart body');
    throw validationError('malformed_multipart', 'The body is not well-formed multipart/form-data');
  }
  return { files, fields };
}

const tooManyFiles = () =>
  validationError('too_many_files', 'Send exactly one file per upload', [{ field: 'file', message: 'must be a single file' }]);
