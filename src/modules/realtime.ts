import { Gateway } from '../realtime/gateway.js';
import type { AccountsModule } from './accounts.js';
import type { ChatsModule } from './chats.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { SocialModule } from './social.js';

/** The WebSocket at /api/v1/ws: every event a user may see, and the frames a client may send. */
export function realtimeModule(infra: Infrastructure, { accounts, chats, social }: { accounts: AccountsModule; chats: ChatsModule; social: SocialModule }) {
  const { config, bus, clock, log, presence, delivery } = infra;
  const gateway = new Gateway({
    bus,
    credentials: { sessions: accounts.sessions, apiTokens: accounts.apiTokens },
    cache: accounts.cache,
    messages: chats.messages,
    users: accounts.users,
    presence,
    // Friends and direct-chat partners hear of it, unless a block stands between them.
    presenceAudience: async (userId) =>
      social.visiblePresence.audience(userId, [...(await chats.directPartners(userId)), ...(await social.repository.friendIds(userId))]),
    delivery,
    clock,
    log,
    trustedOrigins: [new URL(config.appUrl).origin, ...(config.corsOrigins === '*' ? [] : config.corsOrigins)],
    settings: config.realtime,
  });
  const module: Module = {
    name: 'realtime',
    routes: { prefix: '', plugin: (scope) => gateway.start(scope) },
    // Sockets close with 1001 before HTTP stops, so clients reconnect elsewhere.
    stop: () => gateway.stop(),
  };
  return { module, gateway };
}

export type RealtimeModule = ReturnType<typeof realtimeModule>;
