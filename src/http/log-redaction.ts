import type { FastifyRequest } from 'fastify';

/**
 * Credentials never reach the log. Two layers, both here:
 * - the request serializer logs a request as method, URL, host and address, never its headers,
 *   with the value of every credential-like query parameter replaced (`?access_token=[redacted]`);
 * - every finished log line, whoever wrote it (a plugin logging its options, an error message
 *   quoting a URL), passes through `redactLogLine`, which blanks the same query parameters and the
 *   JSON fields named like credentials (Authorization, Cookie, Set-Cookie, X-CSRF-Token, any
 *   `…token`, `…secret`, `…password`, `…signature`).
 */

export const REDACTED = '[redacted]';

// Fields of a logged object whose values are credentials: HTTP headers, and names ending like one.
const CREDENTIAL_FIELD = String.raw`(?:authorization|proxy-authorization|cookie|set-cookie|[\w-]*(?:token|secret|password|passwd|signature))`;
// Query parameters: the same, plus the short names URLs use for secrets (file URL and AWS
// signatures, OAuth and reset codes, API keys).
const CREDENTIAL_PARAMETER = String.raw`(?:${CREDENTIAL_FIELD}|sig|code|key|apikey|api_key|auth|session|csrf|x-amz-credential)`;

// `?name=value` or `&name=value`; the value ends where a URL, a JSON string or a sentence would.
const PARAMETER = new RegExp(String.raw`([?&;]${CREDENTIAL_PARAMETER}=)[^&;#\s"'\\<>]*`, 'gi');
// `"name":"…"` or `"name":["…", …]` in a JSON log line.
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const FIELD = new RegExp(String.raw`("${CREDENTIAL_FIELD}":)(?:${JSON_STRING}|\[(?:${JSON_STRING},?)*\])`, 'gi');

/** `url` with the value of every credential-like query parameter replaced. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(PARAMETER, `$1${REDACTED}`) : url;
}

/** One serialized log line with credential query values and credential fields blanked. */
export function redactLogLine(line: string): string {
  return line.replace(PARAMETER, `$1${REDACTED}`).replace(FIELD, `$1"${REDACTED}"`);
}

/** What the log says about a request: no headers, and no credentials in the URL. */
function requestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** Logger options for Fastify (pino): the request serializer, and the last pass over every line. */
export const logRedaction = {
  serializers: { req: requestForLog },
  hooks: { streamWrite: redactLogLine },
};
