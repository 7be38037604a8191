import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { identify, type CredentialServices } from '../http/auth/authenticate.js';
import { sendProblem } from '../http/problem.js';
import type { HttpServer } from '../http/server.js';
import type { Principal } from '../services/auth/context.js';
import { DomainError } from '../services/errors.js';
import type { User } from '../services/users/user.js';
import { CloseCode } from './connection.js';
import type { ErrorCode } from '../services/error-codes.js';

/** A handshake's outcome: what the protocol needs to open the socket, or why it is refused. */
export type HandshakeResult<T> = { ok: true; accepted: T } | { ok: false; code: ErrorCode; closeCode?: number };

/** Who opened a socket. */
export interface SignedInSocket {
  principal: Principal;
  username: string;
}

export interface HandshakeCheckDeps {
  credentials: CredentialServices;
  users: { findById(id: number): Promise<User | undefined> };
  /** Origins besides the API's own whose pages may open a socket with the session cookie. */
  trustedOrigins: string[];
}

/** The credential check of a WebSocket handshake, as every protocol that signs in with our credentials makes it. */
export class HandshakeCheck {
  constructor(private readonly deps: HandshakeCheckDeps) {}

  /** A bearer or personal access token (header or `?access_token=`), or the session cookie from one of our origins. */
  async signedIn(request: FastifyRequest): Promise<HandshakeResult<SignedInSocket>> {
    try {
      const principal = await identify(this.deps.credentials, request, { queryToken: true });
      // A browser sends the session cookie with any page's WebSocket: only pages of our own
      // origins may use it (cross-site WebSocket hijacking).
      if (principal.method === 'cookie' && !this.originAllowed(request)) return { ok: false, code: 'origin_not_allowed' };
      const user = await this.deps.users.findById(principal.userId);
      if (!user) return { ok: false, code: 'session_ended' };
      return { ok: true, accepted: { principal, username: user.username } };
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, code: error.code };
      throw error;
    }
  }

  private originAllowed(request: FastifyRequest): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return false;
    }
    return host === request.headers.host || this.deps.trustedOrigins.includes(origin);
  }
}

export interface WebSocketRoute<T> {
  url: string;
  /** Runs before the upgrade. */
  handshake: (request: FastifyRequest) => Promise<HandshakeResult<T>>;
  /** Takes the upgraded socket of an accepted handshake. */
  open: (socket: WebSocket, request: FastifyRequest, accepted: T) => void;
}

/**
 * A WebSocket route whose handshake is checked before the upgrade. A refused one is still upgraded
 * and then closed (4401 unless said otherwise) with the reason as the close reason: a browser sees
 * close codes, never the HTTP status of a failed upgrade.
 */
export function webSocketRoute<T>(scope: HttpServer, route: WebSocketRoute<T>): void {
  const results = new WeakMap<FastifyRequest, HandshakeResult<T>>();
  scope.route({
    method: 'GET',
    url: route.url,
    schema: { hide: true },
    preValidation: async (request) => {
      results.set(request, await route.handshake(request));
    },
    wsHandler: (socket, request) => {
      const result = results.get(request);
      if (!result?.ok) {
        socket.close(result?.closeCode ?? CloseCode.unauthorized, result?.code ?? 'unauthorized');
        return;
      }
      route.open(socket, request, result.accepted);
    },
    // A plain HTTP request here is a client that forgot the upgrade: say so, as a problem.
    handler: (request, reply) => sendProblem(request, reply, { status: 426, code: 'upgrade_required', detail: 'This is the WebSocket endpoint: open it with a WebSocket client' }),
  });
}
