import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { IncomingMessage as RawRequest, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import type { RateLimitMetrics } from '../adapters/metrics.js';
import type { Config } from '../config.js';
import { registerDocs } from './docs.js';
import { registerErrorHandling } from './errors.js';
import { prettyLogStream, wantsPrettyLogs } from './log-format.js';
import { logRedaction } from './log-redaction.js';
import { registerMetrics } from './metrics.js';
import { registerOpsRoutes, type ReadinessCheck } from './ops-routes.js';
import { checkProblemsAgainstRegistry, defaultCode, sendProblem } from './problem.js';
import { RequestLog } from './request-log.js';
import { securityHeaders } from './security-headers.js';
import { discardUnreadBody } from './unread-body.js';
import { validatorCompiler } from './validation.js';
import { answerWithShell, registerWebClient, type WebClient } from './web-client.js';

export interface HttpDependencies {
  config: Config;
  version: string;
  readinessChecks: ReadinessCheck[];
  /** The built web client, served at `/` (undefined: none). */
  webClient?: WebClient;
  /** The app's metrics registry, which `/metrics` serves, and the count of rate-limit rejections. */
  metrics: { registry: Registry; rateLimits: RateLimitMetrics };
}

export type HttpServer = FastifyInstance<Server, RawRequest, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Builds the Fastify server with every cross-cutting concern; feature routes register on it. */
export async function createHttpServer(deps: HttpDependencies): Promise<HttpServer> {
  const { config } = deps;
  checkProblemsAgainstRegistry(config.nodeEnv !== 'production');
  const app = Fastify({
    // JSON lines; pretty ones for a person at a development terminal (log-format.ts).
    logger: { level: config.logLevel, ...logRedaction, ...(wantsPrettyLogs(config) ? { stream: await prettyLogStream() } : {}) },
    // The line of each answered request names its user and problem code.
    logController: new RequestLog(),
    bodyLimit: config.bodyLimitBytes,
    // Fastify accepts a hop count too, though its types only list the other forms.
    trustProxy: config.trustProxy as boolean | string[],
    // A caller's request id is kept when it is well-formed, so logs line up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // A path that does not decode (`%ED%A0%80`, a lone `%`) is the client's error, answered as a problem.
    frameworkErrors: (error, request, reply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        void sendProblem(request, reply, { status: 400, code: 'malformed_url', detail: 'The URL is not valid: a percent-escape in its path does not decode' });
      } else {
        void sendProblem(request, reply, { status: error.statusCode ?? 500, code: defaultCode(error.statusCode ?? 500), detail: error.statusCode && error.statusCode < 500 ? error.message : undefined });
      }
    },
    forceCloseConnections: 'idle',
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  const webClient = deps.webClient;
  registerErrorHandling(app, deps.metrics.rateLimits, webClient && ((request, reply) => answerWithShell(webClient, request, reply)));
  const headers = securityHeaders({
    // An API answers JSON: nothing may be framed or loaded from its responses. The docs page
    // sets its own policy for its scripts and styles.
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
  });
  // During shutdown, a response to a request that was already in flight closes its keep-alive
  // connection, so the server can finish closing instead of waiting for the client to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    discardUnreadBody(request, reply);
    // API answers hold personal data or credentials: no cache may keep them unless a route says
    // otherwise (files and avatars set their own Cache-Control).
    const json = /json/i.test(String(reply.getHeader('content-type') ?? ''));
    if (json && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    if (closing) reply.header('connection', 'close');
  });
  app.removeContentTypeParser('text/plain');

  await app.register(cookie);
  // Registered once at the root: it owns the server's 'upgrade' event, and every module's
  // WebSocket routes (the canonical protocol, and later the dialects') share it.
  await app.register(websocket, { options: { maxPayload: config.realtime.maxFrameBytes } });
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins === '*' ? true : config.corsOrigins,
      credentials: config.corsOrigins !== '*',
      exposedHeaders: ['x-request-id', 'retry-after'],
      allowedHeaders: ['authorization', 'content-type', 'x-csrf-token', 'x-request-id'],
    });
  }
  if (config.docsEnabled) await registerDocs(app, { version: deps.version });
  if (webClient) await registerWebClient(app, webClient);

  registerMetrics(app, { token: config.metricsToken, registry: deps.metrics.registry });
  registerOpsRoutes(app, deps.readinessChecks);
  return app;
}
