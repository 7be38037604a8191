import type { FastifyBaseLogger } from 'fastify';
import type { HttpServer } from '../../http/server.js';
import type { MessageService } from '../../services/chats/message-service.js';
import type { PostImageLinks } from '../../views/posts.js';
import type { AttachmentLinks } from '../../views/chats.js';
import type { ConnectionRegistry } from '../connection-registry.js';
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
  /** Attachments in message frames carry their signed URLs. */
  links: AttachmentLinks & PostImageLinks;
  log: FastifyBaseLogger;
  heartbeatMs: number;
}

/** `/api/v1/ws`: every event a user may see, in the canonical frames of docs/REALTIME.md. */
export class ApiV1Protocol implements Protocol {
  readonly name = 'api-v1';

  constructor(private readonly deps: ApiV1Deps) {}

  render(event: RealtimeEvent): Buffer {
    return jsonFrame(eventFrame(event, this.deps.links));
  }

  /** Registers `/ws` in `scope` (the module's `/api/v1`). */
  routes(scope: HttpServer): void {
    const { registry, handshake, messages, log, heartbeatMs } = this.deps;
    webSocketRoute(scope, {
      url: '/ws',
      handshake: (request) => handshake.signedIn(request),
      open: (socket, request, { principal, username }) => {
        const connection = registry.open(socket, request.raw.socket, {
          principal,
          protocol: this,
          receiver: (opened) => new ApiV1Client(opened, username, { messages, log }),
        });
        connection.send(jsonFrame({ type: 'ready', userId: principal.userId, heartbeatSeconds: heartbeatMs / 1000 }));
      },
    });
  }
}
