import { Type } from 'typebox';
import { extractLinksAndCodes } from '../adapters/mail/outbox-mailer.js';
import type { OutboxReader } from '../services/mail/outbox.js';
import { isLoopbackClient } from './loopback.js';
import { sendProblem } from './problem.js';
import { problems } from './schemas.js';
import type { HttpServer } from './server.js';

const OutboxMailSchema = Type.Object({
  id: Type.Integer(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  links: Type.Array(Type.String(), { description: 'http(s) links found in the text body' }),
  codes: Type.Array(Type.String(), { description: 'Standalone six-digit codes found in the text body' }),
});

const OutboxQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'How many mails to return' }),
    before: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,14}$',
        'x-message': 'must be a nextCursor from an earlier page',
        description: 'nextCursor of the previous page',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Development-only routes. `/dev/outbox` lists every mail the outbox mailer kept, newest first,
 * with the links and codes in each so a developer or a test can follow them. It shows secrets
 * meant for other people's inboxes: the caller registers it only outside production, and it
 * answers only programs on this machine (a development server left listening on every address
 * gives nothing away), unless `openToAll` (DEV_OUTBOX_ENABLED) says otherwise. Anyone else gets
 * the 404 of a route that does not exist.
 */
export function registerDevRoutes(app: HttpServer, deps: { outbox: OutboxReader; openToAll: boolean }): void {
  app.get(
    '/outbox',
    {
      onRequest: async (request, reply) => {
        if (deps.openToAll || isLoopbackClient(request)) return;
        // The answer of a route that does not exist.
        return sendProblem(request, reply, { status: 404, code: 'not_found', detail: `No route for ${request.method} ${request.url.split('?')[0]}` });
      },
      schema: {
        tags: ['development'],
        operationId: 'listOutboxMail',
        summary: 'Mail the development outbox kept instead of sending, newest first (not in production)',
        description: 'Only for clients on the server’s own machine, unless DEV_OUTBOX_ENABLED is set; anyone else gets 404.',
        querystring: OutboxQuerySchema,
        response: {
          200: Type.Object({
            items: Type.Array(OutboxMailSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the next page' }),
          }),
          ...problems('not_found'),
        },
      },
    },
    async (request) => {
      const { limit, before } = request.query;
      // One extra row tells whether another page follows without a count query.
      const rows = await deps.outbox.list({ limit: limit + 1, ...(before !== undefined ? { beforeId: Number(before) } : {}) });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({
          id: row.id,
          to: row.to,
          subject: row.subject,
          text: row.text,
          html: row.html,
          createdAt: new Date(row.createdAt).toISOString(),
          ...extractLinksAndCodes(row.text),
        })),
        nextCursor: rows.length > limit && last ? String(last.id) : null,
      };
    },
  );
}
