import { ApiV1Protocol } from '../realtime/api-v1/protocol.js';
import { ConnectionRegistry } from '../realtime/connection-registry.js';
import { HandshakeCheck } from '../realtime/handshake.js';
import type { AccountsModule } from './accounts.js';
import type { ChatsModule } from './chats.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { SocialModule } from './social.js';
import type { SyncModule } from './sync.js';

/**
 * Real time: the registry of every open socket on this node (delivery, heartbeats, limits,
 * presence, closing at logout and shutdown) and the protocols on it; `/api/v1/ws` is the first.
 * A later module attaches its own protocol to `registry`.
 */
export function realtimeModule(infra: Infrastructure, { accounts, chats, social, sync }: { accounts: AccountsModule; chats: ChatsModule; social: SocialModule; sync: SyncModule }) {
  const { config, bus, clock, log, presence, delivery, links } = infra;
  const registry = new ConnectionRegistry({
    bus,
    delivery,
    presence,
    // Friends and direct-chat partners hear of it, unless a block stands between them.
    presenceAudience: async (userId) =>
      social.visiblePresence.audience(userId, [...(await chats.directPartners(userId)), ...(await social.repository.friendIds(userId))]),
    revocations: accounts.cache,
    touchLastSeen: (userId, at) => accounts.users.touchLastSeen(userId, at),
    clock,
    log,
    metrics: infra.metrics.realtime,
    settings: config.realtime,
  });
  const handshake = new HandshakeCheck({
    credentials: { sessions: accounts.sessions, apiTokens: accounts.apiTokens },
    users: accounts.users,
    trustedOrigins: [new URL(config.appUrl).origin, ...(config.corsOrigins === '*' ? [] : config.corsOrigins)],
  });
  const apiV1 = new ApiV1Protocol({ registry, handshake, messages: chats.messages, sync: sync.sync, links, log, heartbeatMs: config.realtime.heartbeatMs });
  // Its series exist from the start, at 0, rather than from its first socket.
  infra.metrics.realtime.protocol(apiV1.name);
  const module: Module = {
    name: 'realtime',
    // No sign-in guard in this scope: each protocol's handshake authenticates itself.
    routes: { prefix: '/api/v1', plugin: (scope) => apiV1.routes(scope) },
    start: () => registry.start(),
    // Sockets close with 1001 before HTTP stops, so clients reconnect elsewhere.
    stop: () => registry.stop(),
  };
  return { module, registry, handshake, apiV1 };
}

export type RealtimeModule = ReturnType<typeof realtimeModule>;
