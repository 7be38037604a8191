import type { FastifyRequest } from 'fastify';
import { readParts } from '../http/multipart.js';
import { findUnstorableText } from '../http/untrusted-input.js';
import { notFound, validationError } from '../services/errors.js';

/** A file part of a multipart body. */
export interface BodyFile {
  filename: string;
  data: Buffer;
}

/**
 * A request body the way Django REST read it, whatever its encoding (JSON, form, multipart):
 * its fields by name, and its files by field name. Values are checked by the readers below, so
 * nothing unchecked reaches a service.
 */
export class Body {
  private constructor(
    private readonly fields: Record<string, unknown>,
    readonly files: Map<string, BodyFile>,
    private readonly fileParts: ReadonlyArray<BodyFile & { field: string }> = [],
  ) {}

  static async read(request: FastifyRequest): Promise<Body> {
    if (request.isMultipart()) {
      const { files, fields } = await readParts(request, { tooManyFiles: () => validationError('too_many_files', 'Too many files in the body') });
      return new Body(storable(Object.fromEntries(fields)), new Map(files.map((f) => [f.field, { filename: f.filename, data: f.data }])), files);
    }
    const body = request.body;
    if (body === undefined || body === null) return new Body({}, new Map());
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw validationError('validation_failed', 'Expected a dictionary of fields', [{ field: 'non_field_errors', message: 'Invalid data. Expected a dictionary.' }]);
    }
    return new Body(storable(body as Record<string, unknown>), new Map());
  }

  /** The query string's parameters, read the same way (a repeated one is a list). */
  static query(request: FastifyRequest): Body {
    const query = request.query;
    return new Body(storable(typeof query === 'object' && query !== null ? { ...(query as Record<string, unknown>) } : {}), new Map());
  }

  /** Every file sent under a field name (a repeated file field), in order. */
  filesNamed(name: string): BodyFile[] {
    return this.fileParts.filter((f) => f.field === name);
  }

  /** Whether the field was sent at all. */
  has(name: string): boolean {
    return Object.hasOwn(this.fields, name) && this.fields[name] !== undefined;
  }

  /** A text field: undefined when absent; a non-text value or one over `max` characters is refused. */
  text(name: string, options: { max?: number } = {}): string | undefined {
    if (!this.has(name)) return undefined;
    const value = this.fields[name];
    if (typeof value !== 'string') throw invalid(name, 'Not a valid string.');
    if (value.length > (options.max ?? 4096)) throw invalid(name, `Ensure this field has no more than ${options.max ?? 4096} characters.`);
    return value;
  }

  /** A text field that must be there and not blank. */
  requiredText(name: string, options: { max?: number } = {}): string {
    const value = this.text(name, options);
    if (value === undefined) throw invalid(name, 'This field is required.');
    if (value.trim() === '') throw invalid(name, 'This field may not be blank.');
    return value;
  }

  /** A whole number, as JSON has it or as form fields write it. */
  integer(name: string): number | undefined {
    if (!this.has(name)) return undefined;
    const id = integerOf(this.fields[name]);
    if (id === undefined) throw invalid(name, 'A valid integer is required.');
    return id;
  }

  requiredInteger(name: string): number {
    const value = this.integer(name);
    if (value === undefined) throw invalid(name, 'This field is required.');
    return value;
  }

  /** A list of texts: a JSON array, a repeated form field, or one text. */
  texts(name: string, options: { max: number; maxLength?: number }): string[] | undefined {
    if (!this.has(name)) return undefined;
    const raw = this.fields[name];
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length > options.max) throw invalid(name, `Ensure this field has no more than ${options.max} elements.`);
    return items.map((item) => {
      if (typeof item !== 'string') throw invalid(name, 'Not a valid string.');
      if (item.length > (options.maxLength ?? 4096)) throw invalid(name, `Ensure this field has no more than ${options.maxLength ?? 4096} characters.`);
      return item;
    });
  }

  /** A list of whole numbers: a JSON array, a repeated form field, or one number. */
  integers(name: string, options: { max: number }): number[] | undefined {
    if (!this.has(name)) return undefined;
    const raw = this.fields[name];
    const items = Array.isArray(raw) ? raw : [raw];
    if (items.length > options.max) throw invalid(name, `Ensure this field has no more than ${options.max} elements.`);
    return items.map((item) => {
      const id = integerOf(item);
      if (id === undefined) throw invalid(name, 'A valid integer is required.');
      return id;
    });
  }
}

/**
 * The id in a path segment, as Django's `<int:…>` converter reads it: digits only, from 1. Anything
 * else is no such path (404, with the dialect's `detail`).
 */
export function pathId(raw: unknown, detail = 'Not found.'): number {
  const id = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  if (id === 0) throw notFound('not_found', detail);
  return id;
}

/** A positive id from JSON or text; undefined when it is not one. */
export function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

/** The fields, once no text in them holds what no store can keep (NUL, a lone surrogate): as the canonical API refuses it. */
function storable(fields: Record<string, unknown>): Record<string, unknown> {
  const problem = findUnstorableText(fields);
  if (problem) {
    const field = problem.instancePath.split('/')[1] ?? 'non_field_errors';
    throw invalid(field, 'Null characters are not allowed.');
  }
  return fields;
}

const invalid = (field: string, message: string) => validationError('validation_failed', `${field}: ${message}`, [{ field, message }]);
