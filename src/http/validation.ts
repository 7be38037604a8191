import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldError } from '../services/errors.js';
import { findNonCanonicalInteger, findUnstorableText, integerProperties, type InputProblem } from './untrusted-input.js';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const shared: Options = {
  allErrors: true,
  useDefaults: true,
  removeAdditional: false,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
  // NaN and Infinity are not numbers a client may send (`1e400` in JSON parses to Infinity).
  strictNumbers: true,
  // Annotations our schemas carry for documentation and messages.
  keywords: ['example', 'x-message'],
};

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options });
  addFormats(ajv);
  return ajv;
}

// Bodies are JSON and keep their types: `{"age": "3"}` is a type error, not a number. Query
// strings, params and headers are text, so they are coerced to the declared type.
const bodyAjv = makeAjv({ coerceTypes: false });
const textAjv = makeAjv({ coerceTypes: 'array' });

type Validate = ((data: unknown, context?: unknown) => boolean) & { errors?: ErrorObject[] | null; schemaEnv?: unknown };

/** An ajv error for a problem found before the schema ran, in the shape `fieldErrors` reads. */
const problemError = (problem: InputProblem): ErrorObject => ({
  keyword: 'input',
  instancePath: problem.instancePath,
  schemaPath: '#',
  params: {},
  message: problem.message,
});

/**
 * Every request part and WebSocket frame is validated here, and only here: first the checks no
 * schema can express (text a database cannot store; integers in text written as anything but plain
 * decimal digits), then the schema itself.
 */
function guarded(validate: Validate, integers: readonly string[]): Validate {
  const guard: Validate = (data, context) => {
    const problem = findUnstorableText(data) ?? (integers.length > 0 ? findNonCanonicalInteger(data, integers) : undefined);
    if (problem) {
      guard.errors = [problemError(problem)];
      return false;
    }
    const valid = validate(data, context);
    guard.errors = validate.errors;
    return valid;
  };
  // Fastify hands ajv's own validators the parent object, so coercion can replace a root value.
  guard.schemaEnv = validate.schemaEnv;
  return guard;
}

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const text = httpPart !== 'body';
  const validate = (text ? textAjv : bodyAjv).compile(schema) as Validate;
  return guarded(validate, text ? integerProperties(schema) : []) as ReturnType<FastifySchemaCompiler<object>>;
};

/** `/items/0/name` → `items[0].name` */
function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function messageOf(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  const custom: unknown = error.parentSchema?.['x-message'];
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not allowed';
    case 'type':
      return `must be ${String(p.type).replace(',', ' or ')}`;
    case 'minLength':
      return Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(p.limit)} characters`;
    case 'minItems':
      return `must have at least ${String(p.limit)} items`;
    case 'maxItems':
      return `must have at most ${String(p.limit)} items`;
    case 'minimum':
      return `must be at least ${String(p.limit)}`;
    case 'maximum':
      return `must be at most ${String(p.limit)}`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'format':
      return typeof custom === 'string' ? custom : `must be a valid ${String(p.format)}`;
    case 'pattern':
      return typeof custom === 'string' ? custom : 'has an invalid format';
    default:
      return typeof custom === 'string' ? custom : (error.message ?? 'is invalid');
  }
}

/** Turns ajv's errors into one message per field, in the order they were found. */
export function fieldErrors(errors: ErrorObject[]): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors) {
    const p = error.params as Record<string, unknown>;
    const child =
      error.keyword === 'required'
        ? String(p.missingProperty)
        : error.keyword === 'additionalProperties'
          ? String(p.additionalProperty)
          : undefined;
    // anyOf/oneOf report each branch and then themselves; the summary is enough.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    const field = fieldPath(error.instancePath, child) || '(body)';
    if (seen.has(field)) continue;
    seen.add(field);
    result.push({ field, message: messageOf(error) });
  }
  return result;
}

/** A validator for JSON values outside HTTP bodies (WebSocket frames), with the same messages. */
export function compileJsonValidator(schema: object): (value: unknown) => FieldError[] | null {
  const validate = guarded(bodyAjv.compile(schema) as Validate, []);
  return (value) => (validate(value) ? null : fieldErrors(validate.errors ?? []));
}
