import { Type } from 'typebox';
import type { RealtimeEvent } from '../realtime/events.js';
import { eventFrame } from '../realtime/api-v1/frames.js';
import { MAX_SYNC_PAGE, type SyncService } from '../services/sync/sync-service.js';
import type { AttachmentLinks } from '../views/chats.js';
import type { PostImageLinks } from '../views/posts.js';
import { principalOf } from './auth/authenticate.js';
import { problems } from './schemas.js';
import type { HttpServer } from './server.js';

export interface SyncRouteDeps {
  sync: SyncService;
  links: AttachmentLinks & PostImageLinks;
}

const SyncToken = Type.String({ maxLength: 32, description: 'An opaque token from a frame, `ready`, `synced` or an earlier `nextToken`', examples: ['1042'] });

const SyncEvent = Type.Object(
  {
    type: Type.String({ description: 'The frame type, as on the WebSocket: `message.created`, `member.removed`, …' }),
    syncToken: SyncToken,
  },
  { additionalProperties: true, description: 'The same object as the WebSocket frame of the event (docs/REALTIME.md)' },
);

const SyncAnswer = Type.Object({
  events: Type.Array(SyncEvent, { description: 'What changed for me since the token, oldest first' }),
  nextToken: Type.String({ description: 'Sync from this next time; with `hasMore`, at once' }),
  hasMore: Type.Boolean({ description: 'More events are waiting: call again with `nextToken`' }),
});

/** `GET /sync`: every recorded event since a token, for a client coming back. Registered under /api/v1 in a signed-in scope. */
export function registerSyncRoutes(app: HttpServer, deps: SyncRouteDeps): void {
  const { sync, links } = deps;
  app.get(
    '/sync',
    {
      schema: {
        operationId: 'sync',
        tags: ['sync'],
        summary: 'What changed for me since a token',
        description:
          'Messages created, edited and deleted, reactions, read markers, members, chats, friend requests and friendships, blocks ending friendships, ' +
          'and likes and comments on my posts, in order, each once; typing and presence are not kept. Without `since`, answers no events and a token for now. ' +
          '410 `resync_required`: the token is older than the kept history; reload the chat list and sync from a new token.',
        querystring: Type.Object(
          {
            since: Type.Optional(SyncToken),
            limit: Type.Integer({ minimum: 1, maximum: MAX_SYNC_PAGE, default: 100 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: SyncAnswer, ...problems('invalid_sync_token', 'resync_required', 'sync_disabled') },
      },
    },
    async (request) => {
      const { since, limit } = request.query;
      if (since === undefined) return { events: [], nextToken: await sync.now(), hasMore: false };
      const page = await sync.since(principalOf(request).userId, since, limit);
      return {
        events: page.events.map(({ token, event }) => eventFrame(event as RealtimeEvent, links, token) as { type: string; syncToken: string }),
        nextToken: page.nextToken,
        hasMore: page.hasMore,
      };
    },
  );
}
