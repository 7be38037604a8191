import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { asyncApiDocument } from '../realtime/api-v1/asyncapi.js';
import { errorCodeTables } from '../services/error-catalogue.js';
import { describeRoute, finishDocument } from './openapi/contract.js';

/**
 * The OpenAPI 3.1 document, generated from the route schemas, at `/openapi.json`, and an
 * interactive reference at `/docs`. Registered before the routes so it sees all of them.
 */
export async function registerDocs(app: FastifyInstance, options: { version: string }): Promise<void> {
  await app.register(swagger, {
    transform: describeRoute,
    transformObject: finishDocument,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Messenger API',
        version: options.version,
        description:
          'Accounts, profiles, friends, chats with real-time delivery, media and posts. ' +
          'Errors are application/problem+json (RFC 9457) with a stable `code`: each operation lists the codes it can answer ' +
          'under each status, and every code is below.\n\n' +
          'Live events and sending over the WebSocket (`GET /api/v1/ws`): the AsyncAPI 3 document at [/asyncapi.json](/asyncapi.json). ' +
          'After any disconnect, `GET /api/v1/sync?since=<syncToken>` (or the socket’s `?since=`) brings every change that was missed.\n\n' +
          `## Error codes\n\n${errorCodeTables()}`,
      },
      servers: [{ url: '/', description: 'The server that serves this document' }],
      tags: [
        { name: 'auth', description: 'Accounts, sessions, passwords and tokens' },
        { name: 'two-factor', description: 'Second factors (authenticator app, e-mailed codes, recovery codes), finishing a login with one, trusted devices' },
        { name: 'users', description: 'People' },
        { name: 'chats', description: 'Direct and group chats, messages, reactions and read markers. Live events: GET /api/v1/ws (docs/REALTIME.md)' },
        { name: 'sync', description: 'Everything that changed for me since a token: the catch-up after any disconnect (docs/REALTIME.md)' },
        { name: 'posts', description: 'Posts with photos, the feeds (latest, friends, popular), likes, comments and views' },
        { name: 'operations', description: 'Health, readiness, metrics and this document' },
        { name: 'development', description: 'Only outside production' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /api/v1/auth/login' },
          token: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'Personal access token from /api/v1/auth/tokens, sent as `Authorization: Token <token>`',
          },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'msg_session',
            description: 'Session cookie set by login with `"cookie": true`; unsafe requests also need X-CSRF-Token',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    // Served over plain HTTP in development too, where upgrading the page's own scripts breaks it.
    transformStaticCSP: (header: string) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
    // No request leaves for another origin: no validator badge (it would call validator.swagger.io).
    uiConfig: { deepLinking: true, docExpansion: 'list', tryItOutEnabled: true, displayOperationId: true, validatorUrl: null, defaultModelsExpandDepth: 1 },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/asyncapi.json', { schema: { hide: true } }, async (request) =>
    asyncApiDocument({ version: options.version, host: request.host, secure: request.protocol === 'https' }),
  );
}
