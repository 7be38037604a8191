import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { HttpServer } from '../../http/server.js';
import type { MessageService } from '../../services/chats/message-service.js';
import { DomainError } from '../../services/errors.js';
import { positionOf, syncTokenOf, type SyncPage, type SyncService } from '../../services/sync/sync-service.js';
import type { PostImageLinks } from '../../views/posts.js';
import type { AttachmentLinks } from '../../views/chats.js';
import type { ConnectionRegistry } from '../connection-registry.js';
import { CloseCode, type Connection } from '../connection.js';
import type { RealtimeEvent } from '../events.js';
import { webSocketRoute, type HandshakeCheck } from '../handshake.js';
import type { Protocol } from '../protocol.js';
import { jsonFrame } from '../wire-frame.js';
import { ApiV1Client } from './client.js';
import { eventFrame } from './frames.js';

export interface ApiV1Deps {
  registry: ConnectionRegistry;
  handshake: HandshakeCheck;
  messages: MessageService;
  sync: SyncService;
  /** Attachments in message frames carry their signed URLs. */
  links: AttachmentLinks & PostImageLinks;
  log: FastifyBaseLogger;
  heartbeatMs: number;
}

/** The most missed events a socket replays on connect; a client further behind pages `GET /sync`. */
const CATCH_UP_LIMIT = 1000;
const CATCH_UP_PAGE = 250;

/** `/api/v1/ws`: every event a user may see, in the canonical frames of docs/REALTIME.md. */
export class ApiV1Protocol implements Protocol {
  readonly name = 'api-v1';

  constructor(private readonly deps: ApiV1Deps) {}

  render(event: RealtimeEvent, position: number | undefined): Buffer {
    return jsonFrame(eventFrame(event, this.deps.links, position === undefined ? undefined : syncTokenOf(position)));
  }

  /** Registers `/ws` in `scope` (the module's `/api/v1`). */
  routes(scope: HttpServer): void {
    const { registry, handshake, messages, log } = this.deps;
    webSocketRoute(scope, {
      url: '/ws',
      handshake: (request) => handshake.signedIn(request),
      open: (socket, request, { principal, username }) => {
        const connection = registry.open(socket, request.raw.socket, {
          principal,
          protocol: this,
          receiver: (opened) => new ApiV1Client(opened, username, { messages, log }),
        });
        // Live events wait until the socket has said `ready` and replayed what was missed.
        connection.holdLive();
        this.start(connection, sinceOf(request)).catch((error: unknown) => {
          if (error instanceof DomainError && error.code === 'invalid_sync_token') connection.close(CloseCode.invalidSyncToken, error.code);
          else if (error instanceof DomainError && error.code === 'resync_required') connection.close(CloseCode.resyncRequired, error.code);
          else {
            log.error({ err: error }, 'starting a socket failed');
            connection.close(1011, 'internal_error');
          }
        });
      },
    });
  }

  /**
   * `ready`, then what the client missed since its token, then `synced` with the token where that
   * ends, then live events from there.
   * Without a token, `ready` carries one for "now", and live events after it follow.
   */
  private async start(connection: Connection, since: string | undefined | null): Promise<void> {
    const { sync, heartbeatMs } = this.deps;
    const ready = { type: 'ready', userId: connection.userId, heartbeatSeconds: heartbeatMs / 1000 };
    if (!sync.enabled) {
      connection.sendNow(jsonFrame(ready));
      connection.release(0);
      return;
    }
    if (since === undefined) {
      const now = await sync.now();
      connection.sendNow(jsonFrame({ ...ready, syncToken: now }));
      connection.release(positionOf(now));
      return;
    }
    // A repeated or empty `since` is as bad as a malformed one.
    const pages: SyncPage[] = [await sync.since(connection.userId, since ?? '', CATCH_UP_PAGE)];
    let replayed = pages[0]!.events.length;
    while (pages.at(-1)!.hasMore) {
      if (replayed >= CATCH_UP_LIMIT) {
        connection.close(CloseCode.syncBacklogTooLarge, 'sync_backlog_too_large');
        return;
      }
      const page = await sync.since(connection.userId, pages.at(-1)!.nextToken, CATCH_UP_PAGE);
      pages.push(page);
      replayed += page.events.length;
    }
    connection.sendNow(jsonFrame(ready));
    for (const page of pages) {
      for (const { token, event } of page.events) connection.sendNow(jsonFrame(eventFrame(event as RealtimeEvent, this.deps.links, token)));
    }
    // The replay is over; its token covers the events that were not for this user too.
    const caughtUp = pages.at(-1)!.nextToken;
    connection.sendNow(jsonFrame({ type: 'synced', replayed, syncToken: caughtUp }));
    connection.release(positionOf(caughtUp));
  }
}

/** The `since` query parameter: undefined when absent, null when given in a form no token has. */
function sinceOf(request: FastifyRequest): string | undefined | null {
  const since = (request.query as Record<string, unknown> | undefined)?.since;
  if (since === undefined) return undefined;
  return typeof since === 'string' ? since : null;
}
