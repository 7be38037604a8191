import fs from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { RESERVED_ROOTS } from './reserved-paths.js';
import type { HttpServer } from './server.js';
import { securityHeaders } from './security-headers.js';

/** The built web client: its folder, and the page every client route answers with. */
export interface WebClient {
  dir: string;
  shell: Buffer;
  /** The content-security policy of its pages. */
  policy: string;
}

/** The web client in `config.webClientDir`, or undefined when it is turned off or not built. */
export async function loadWebClient(config: Pick<Config, 'webClientDir' | 's3'>): Promise<WebClient | undefined> {
  if (!config.webClientDir) return undefined;
  let shell: Buffer;
  try {
    shell = await fs.readFile(path.join(config.webClientDir, 'index.html'));
  } catch {
    return undefined;
  }
  const policy = securityHeaders({ contentSecurityPolicy: { useDefaults: false, directives: policyDirectives(config) } })['content-security-policy'] ?? "default-src 'self'";
  return { dir: config.webClientDir, shell, policy };
}

/**
 * The client's own policy: everything from this origin only (S3 too, when files are fetched from
 * the bucket directly), no inline script or style, no plugins, no framing.
 */
function policyDirectives(config: Pick<Config, 's3'>) {
  const files = bucketOrigin(config);
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:', ...files],
    mediaSrc: ["'self'", 'blob:', ...files],
    connectSrc: ["'self'"],
    fontSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
}

/** Where the browser fetches files from when they are served from the bucket by signed URL. */
function bucketOrigin(config: Pick<Config, 's3'>): string[] {
  const s3 = config.s3;
  if (!s3 || s3.urlTtlSeconds <= 0) return [];
  if (!s3.endpoint) return [`https://${s3.bucket}.s3.${s3.region}.amazonaws.com`];
  const endpoint = new URL(s3.endpoint);
  return [s3.forcePathStyle ? endpoint.origin : `${endpoint.protocol}//${s3.bucket}.${endpoint.host}`];
}

/**
 * Serves the client at `/`: its hashed assets (cached for a year: a new build has new names), and
 * its page for `/` and, through `answerWithShell`, for any other path of the client's own.
 */
export async function registerWebClient(app: HttpServer, client: WebClient): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (_request, reply) => {
      reply.header('content-security-policy', client.policy);
    });
    await scope.register(fastifyStatic, {
      root: client.dir,
      prefix: '/',
      // One route per file of the build, known at start-up: nothing else is shadowed.
      wildcard: false,
      index: false,
      decorateReply: false,
      cacheControl: false,
      setHeaders: (response, filePath) => {
        const immutable = filePath.includes(`${path.sep}assets${path.sep}`);
        response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get('/', { schema: { hide: true } }, (_request, reply) => sendShell(client, reply));
  });
}

/**
 * For a path no route serves: the client's page when a browser navigates to one of the client's
 * own paths (`/chats/7` opened from a bookmark), so the client shows it. Never for the API's roots
 * (`/api`, `/files`, `/docs`, `/compat`…), for a file name, or for anything but a page request.
 */
export function answerWithShell(client: WebClient, request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const pathname = request.url.split('?')[0] ?? '/';
  const first = pathname.split('/')[1] ?? '';
  if (RESERVED_ROOTS.some((root) => root.split('/')[0] === first)) return false;
  if (/\.[a-z0-9]+$/i.test(pathname)) return false;
  if (!/text\/html/.test(request.headers.accept ?? '')) return false;
  void sendShell(client, reply);
  return true;
}

function sendShell(client: WebClient, reply: FastifyReply): FastifyReply {
  return reply.code(200).header('content-security-policy', client.policy).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(client.shell);
}
