import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's headers, computed once. Helmet builds its header set from the options on every call,
 * which measurably slows every request; the result never changes, so we take it at start-up and
 * set the same headers on each response.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  helmet(options)({} as IncomingMessage, response, () => {});
  return headers;
}

type PolicyDirectives = NonNullable<Exclude<HelmetOptions['contentSecurityPolicy'], boolean | undefined>['directives']>;

/**
 * Gives the routes of one plugin scope their own content-security policy in place of the API's
 * (a web client's pages load scripts and styles; API answers load nothing).
 */
export function scopeContentSecurityPolicy(scope: FastifyInstance, directives: PolicyDirectives): void {
  const policy = securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives } })['content-security-policy'] ?? "default-src 'none'";
  scope.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', policy);
  });
}
