import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { HttpServer } from '../http/server.js';
import type { Principal } from '../services/auth/context.js';
import type { MessageService } from '../services/chats/message-service.js';
import type { MessageDetails } from '../services/chats/ports.js';
import { DomainError } from '../services/errors.js';
import type { ConnectionRegistry } from '../realtime/connection-registry.js';
import type { Connection } from '../realtime/connection.js';
import type { RealtimeEvent } from '../realtime/events.js';
import { webSocketRoute, type HandshakeResult } from '../realtime/handshake.js';
import type { FrameReceiver, Protocol } from '../realtime/protocol.js';

/** Close code for a socket to a chat the caller is not in (or that names someone else). */
export const NOT_A_PARTICIPANT = 4403;

export interface ChatRoomSocketDeps {
  registry: ConnectionRegistry;
  messages: Pick<MessageService, 'send'>;
  isMember: (chatId: number, userId: number) => Promise<boolean>;
  log: FastifyBaseLogger;
}

/** How one dialect's per-chat socket speaks. */
export interface ChatRoomDialect {
  /** Names the protocol in logs and metrics. */
  name: string;
  /** The socket's path; its parameters name the chat. */
  url: string;
  /** The caller (throws a `DomainError` when there is none) and the chat the path names (undefined when it names none). */
  identify(request: FastifyRequest): Promise<{ principal: Principal; chatId: number | undefined }>;
  /** The text a client's frame sends; undefined for a frame that is not a message. */
  textOf(frame: string): string | undefined;
  /** What to tell a client whose frame is not a message. */
  usage: string;
  /** A new message of the chat, as every socket of it gets it. */
  render(message: MessageDetails): Buffer;
  /** An error, as this dialect's sockets say it. */
  errorFrame(message: string): Buffer;
}

/**
 * A dialect's socket to one chat (Django Channels' `ws/chat/<id>/`, FastAPI's
 * `/chats/ws/<chat>/<client>`): a member sends text and every socket of the chat, the sender's own
 * included, gets each new message, whichever API it was sent through. Built on the shared
 * connection registry, so heartbeats, limits, revocation and cluster delivery are the same as on
 * `/api/v1/ws`. Non-members are closed with 4403, callers without credentials with 4401.
 */
export class ChatRoomProtocol implements Protocol {
  readonly name: string;

  constructor(
    private readonly dialect: ChatRoomDialect,
    private readonly deps: ChatRoomSocketDeps,
  ) {
    this.name = dialect.name;
  }

  render(event: RealtimeEvent): Buffer | undefined {
    return event.type === 'message.created' ? this.dialect.render(event.message) : undefined;
  }

  routes(scope: HttpServer): void {
    webSocketRoute(scope, {
      url: this.dialect.url,
      handshake: (request) => this.handshake(request),
      open: (socket, request, { principal, chatId }) => {
        this.deps.registry.open(socket, request.raw.socket, {
          principal,
          protocol: this,
          accepts: (event) => event.type === 'message.created' && event.message.chatId === chatId,
          receiver: (connection) => new ChatRoomClient(connection, chatId, this.dialect, this.deps),
        });
      },
    });
  }

  private async handshake(request: FastifyRequest): Promise<HandshakeResult<{ principal: Principal; chatId: number }>> {
    try {
      const { principal, chatId } = await this.dialect.identify(request);
      if (chatId === undefined || !(await this.deps.isMember(chatId, principal.userId))) {
        return { ok: false, code: 'chat_not_found', closeCode: NOT_A_PARTICIPANT };
      }
      return { ok: true, accepted: { principal, chatId } };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: error.code, closeCode: error.kind === 'forbidden' ? NOT_A_PARTICIPANT : undefined };
      throw error;
    }
  }
}

/** What one socket's client sends: each text is a message from whoever the socket signed in as. */
class ChatRoomClient implements FrameReceiver {
  /** Sends from one socket are stored in the order they came. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly chatId: number,
    private readonly dialect: ChatRoomDialect,
    private readonly deps: ChatRoomSocketDeps,
  ) {}

  receive(data: Buffer, isBinary: boolean): void {
    const text = isBinary ? undefined : this.dialect.textOf(data.toString('utf8'));
    if (text === undefined) {
      this.connection.send(this.dialect.errorFrame(this.dialect.usage));
      return;
    }
    this.last = this.last
      .then(() => this.deps.messages.send(this.connection.userId, this.chatId, { text }))
      .catch((error: unknown) => {
        if (error instanceof DomainError) this.connection.send(this.dialect.errorFrame(error.message));
        else {
          this.deps.log.error({ err: error }, `sending a message on a ${this.dialect.name} socket failed`);
          this.connection.send(this.dialect.errorFrame('The message could not be sent'));
        }
      });
  }
}
