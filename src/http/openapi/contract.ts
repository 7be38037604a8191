import { STATUS_CODES } from 'node:http';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import type { FastifySchema, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import { ERROR_CODES, type ErrorCode } from '../../services/error-codes.js';
import { ProblemSchema } from '../problem.js';
import { declaredProblems, problemStatuses, type ProblemCode } from '../schemas.js';
import { COMPONENTS } from './components.js';
import { exampleOf } from './examples.js';

/**
 * What turns the document @fastify/swagger generates from the route schemas into a contract a
 * client can build on. Per route (`describeRoute`): the problems it may answer, from what it
 * declares (`problems(...)`) and from what every such route answers (validation, credentials,
 * rate limits), grouped by status as `application/problem+json`; and an explicit empty `security`
 * for public routes. On the whole document (`finishDocument`): the shared shapes as named
 * components referred to by `$ref`, request properties with a default no longer required, and a
 * description and an example on every request body and success response.
 */

type Json = Record<string, unknown>;
type Route = RouteOptions & { schema?: Json };

const WildcardParams = Type.Object({ path: Type.String({ description: 'The rest of the path, as the URL handed out gives it (slashes included)' }) });
const PROBLEM_JSON = 'application/problem+json';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CREDENTIAL_CODES: ProblemCode[] = ['missing_credentials', 'unsupported_scheme', ['invalid_token', 401], 'token_expired', 'session_ended'];

/** The codes every route of this kind answers, whatever it does. */
function commonProblems(route: Route, schema: Json): ProblemCode[] {
  const codes: ProblemCode[] = [];
  const hasBody = schema.body !== undefined || schema.multipartBody !== undefined;
  if (schema.params || schema.querystring || hasBody) codes.push('validation_failed');
  if (hasBody) {
    codes.push(schema.multipartBody ? 'malformed_multipart' : 'malformed_json', 'payload_too_large', 'unsupported_media_type');
  }
  const security = schema.security as Array<Record<string, unknown>> | undefined;
  if (security && security.length > 0) {
    codes.push(...CREDENTIAL_CODES);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (security.some((s) => 'cookie' in s) && methods.some((m) => UNSAFE.has(m))) codes.push('csrf_token_invalid');
    if (!security.some((s) => 'token' in s)) codes.push('session_required');
  }
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit) codes.push('rate_limited');
  codes.push('internal_error');
  return codes;
}

/** Markdown for one status: the codes it comes with, and what each means. */
function problemDescription(status: number, codes: readonly ErrorCode[]): string {
  const lines = codes.map((code) => `- \`${code}\`: ${ERROR_CODES[code].meaning}`);
  return `${STATUS_CODES[status] ?? 'Error'}, as problem details whose \`code\` is one of:\n\n${lines.join('\n')}`;
}

/** `transform` of @fastify/swagger: runs per route on its schema, for the document only. */
export const describeRoute: SwaggerTransform = (input) => {
  const { url } = input;
  const schema = input.schema as Json | undefined;
  const route = input.route as Route;
  if (!schema || schema.hide) return { schema: input.schema, url };
  const response: Json = {};
  const declared: ProblemCode[] = [];
  for (const [status, entry] of Object.entries((schema.response ?? {}) as Record<string, object>)) {
    const codes = declaredProblems.get(entry);
    if (codes) declared.push(...codes);
    else response[status] = entry;
  }
  const byStatus = problemStatuses([...declared, ...commonProblems(route, schema)]);
  for (const [status, codes] of byStatus) {
    response[status] = { description: problemDescription(status, codes), content: { [PROBLEM_JSON]: { schema: ProblemSchema } } };
  }
  const { multipartBody, ...rest } = schema;
  const body = multipartBody ? { body: multipartBody, consumes: ['multipart/form-data'] } : {};
  // `/files/*` takes the rest of the path, slashes and all: named, since OpenAPI has no wildcard.
  const wildcard = url.endsWith('*') ? { params: WildcardParams } : {};
  return { schema: { ...rest, ...body, ...wildcard, response, security: schema.security ?? [] } as FastifySchema, url: url.replace(/\*$/, ':path') };
};

// --- the whole document ------------------------------------------------------------------------

/** The JSON of a schema as the document holds it: plain, with `const` written as `enum` (as @fastify/swagger writes it). */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'const') out.enum = [plain(inner)];
    else out[key] = plain(inner);
  }
  return out;
}

/** A key equal for equal schemas, whatever the order of their properties. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Object.entries(value as Json)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

const SCHEMA_PREFIX = '#/components/schemas/';

/** Replaces, below `node` (and `node` itself unless `keepRoot`), every schema equal to a component by a `$ref` to it. */
function referComponents(node: unknown, byKey: Map<string, string>, keepRoot = false): unknown {
  if (Array.isArray(node)) return node.map((item) => referComponents(item, byKey));
  if (node === null || typeof node !== 'object') return node;
  if (!keepRoot) {
    const name = byKey.get(canonical(node));
    if (name) return { $ref: SCHEMA_PREFIX + name };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas; `enum`, `required` and `examples` hold values, not schemas.
    if (key === 'enum' || key === 'required' || key === 'examples' || key === 'example' || key === 'default') out[key] = value;
    else if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, referComponents(v, byKey)]));
    else out[key] = referComponents(value, byKey, typeof value !== 'object');
  }
  return out;
}

/** Request schemas: a property with a default may be left out, so it is not required. */
function unrequireDefaults(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(unrequireDefaults);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Json;
  const properties = schema.properties as Record<string, Json> | undefined;
  if (properties && Array.isArray(schema.required)) {
    const required = (schema.required as string[]).filter((name) => properties[name]?.default === undefined);
    if (required.length > 0) schema.required = required;
    else delete schema.required;
  }
  for (const [key, value] of Object.entries(schema)) if (key !== 'default' && key !== 'example' && key !== 'examples') unrequireDefaults(value);
}

interface Media {
  schema?: Json;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  operationId?: string;
  summary?: string;
  requestBody?: { description?: string; content?: Record<string, Media> };
  parameters?: Array<{ in: string; required?: boolean; schema?: Json }>;
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}

const listOf = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/** What a success response holds, in words, when the route did not say. */
function responseDescription(status: string, media: Media | undefined, components: Json): string {
  if (status === '204' || !media?.schema) return 'Done; no content.';
  const schema = media.schema;
  const ref = typeof schema.$ref === 'string' ? schema.$ref.slice(SCHEMA_PREFIX.length) : undefined;
  const items = (schema.properties as Record<string, Json> | undefined)?.items;
  const itemRef = typeof (items?.items as Json | undefined)?.$ref === 'string' ? ((items!.items as Json).$ref as string).slice(SCHEMA_PREFIX.length) : undefined;
  const said = ref
    ? `${ref}: ${lowerFirst(String((components[ref] as Json).description))}`
    : itemRef
      ? `A list of ${itemRef} objects${'nextCursor' in (schema.properties as Json) ? ', a page at a time (`nextCursor` fetches the next)' : ''}.`
      : typeof schema.description === 'string'
        ? schema.description
        : `An object with ${listOf(Object.keys((schema.properties ?? {}) as Json).map((name) => `\`${name}\``))}.`;
  return status === '201' ? `Created. ${said}` : said;
}

/** `transformObject` of @fastify/swagger: runs once on the generated document. */
export const finishDocument: SwaggerTransformObject = (input) => {
  const document = (input as { openapiObject: Json }).openapiObject as Json & { components: { schemas?: Json }; paths: Record<string, Record<string, Operation>> };
  const byKey = new Map<string, string>();
  const plainComponents = Object.entries(COMPONENTS).map(([name, { schema }]) => [name, plain(schema) as Json] as const);
  for (const [name, schema] of plainComponents) byKey.set(canonical(schema), name);

  const schemas: Json = { ...document.components.schemas };
  for (const [name, schema] of plainComponents) {
    const named = referComponents(schema, byKey, true) as Json;
    schemas[name] = { ...named, description: typeof named.description === 'string' ? named.description : COMPONENTS[name]!.description };
  }
  const resolve = (ref: string) => schemas[ref.slice(SCHEMA_PREFIX.length)] as Json;
  for (const name of Object.keys(COMPONENTS)) (schemas[name] as Json).examples = [exampleOf(schemas[name], resolve)];
  document.components.schemas = schemas;

  for (const methods of Object.values(document.paths)) {
    // A route declared for GET and HEAD is one schema, so one operationId: HEAD gets its own.
    const head = methods.head;
    if (head?.operationId && head.operationId === methods.get?.operationId) {
      methods.head = { ...head, operationId: head.operationId.replace(/^get/, 'head') };
      if (methods.head.operationId === head.operationId) methods.head.operationId = `head${head.operationId.charAt(0).toUpperCase()}${head.operationId.slice(1)}`;
    }
    for (const operation of Object.values(methods)) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' && parameter.schema?.default !== undefined) parameter.required = false;
      }
      for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
        if (!media.schema) continue;
        media.schema = referComponents(media.schema, byKey) as Json;
        unrequireDefaults(media.schema);
        if (type.includes('json') && media.example === undefined && media.examples === undefined) media.example = exampleOf(media.schema, resolve);
      }
      if (operation.requestBody && !operation.requestBody.description) {
        operation.requestBody.description = `What to send to ${lowerFirst(operation.summary ?? 'this operation')}.`;
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (!media.schema) continue;
          media.schema = referComponents(media.schema, byKey) as Json;
          if (status.startsWith('2') && type.includes('json') && media.example === undefined && media.examples === undefined) {
            media.example = exampleOf(media.schema, resolve);
          }
        }
        if (status.startsWith('2') && (!response.description || response.description === 'Default Response')) {
          response.description = responseDescription(status, Object.values(response.content ?? {})[0], schemas);
        }
      }
    }
  }
  return document;
};
