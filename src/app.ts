import type { Config } from './config.js';
import type { EventBus } from './adapters/bus/bus.js';
import { systemClock, type Clock } from './adapters/clock.js';
import type { HttpServer } from './http/server.js';
import { accountsModule, type AccountsModule } from './modules/accounts.js';
import { chatsModule, type ChatsModule } from './modules/chats.js';
import { compatModules } from './modules/compat.js';
import { filesModule, type FilesModule } from './modules/files.js';
import { buildInfrastructure, type Infrastructure } from './modules/infrastructure.js';
import type { Module } from './modules/module.js';
import { twoFactorModule } from './modules/two-factor.js';
import { oauthModule } from './modules/oauth.js';
import { operationsModule } from './modules/operations.js';
import { peopleModule, type PeopleModule } from './modules/people.js';
import { postsModule, type PostsModule } from './modules/posts.js';
import { realtimeModule, type RealtimeModule } from './modules/realtime.js';
import { socialModule, type SocialModule } from './modules/social.js';
import { syncModule } from './modules/sync.js';
import type { ConnectionRegistry } from './realtime/connection-registry.js';
import type { Housekeeping } from './services/housekeeping.js';
import type { DatabaseHandle } from './store/database.js';

export interface App {
  config: Config;
  http: HttpServer;
  database: DatabaseHandle;
  bus: EventBus;
  housekeeping: Housekeeping;
  /** Every open WebSocket on this node, of every protocol. */
  connections: ConnectionRegistry;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, sends queued mail, then closes the bus, Redis and the database. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Extra routes or hooks on the HTTP server before it is ready (used by tests). */
  configureHttp?: (http: HttpServer) => void | Promise<void>;
  clock?: Clock;
  /** Modules added after the built-in ones, the way a later feature plugs in (used by tests). */
  extraModules?: (built: BuiltModules) => Module[];
}

/** The infrastructure and every built-in module, for modules built on top of them. */
export interface BuiltModules {
  infra: Infrastructure;
  accounts: AccountsModule;
  social: SocialModule;
  chats: ChatsModule;
  files: FilesModule;
  people: PeopleModule;
  posts: PostsModule;
  realtime: RealtimeModule;
}

/** How long shutdown waits for in-flight requests before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The composition root: the infrastructure once, then each capability as a module built from it
 * and from the modules before it (docs/ARCHITECTURE.md). A new capability is a module and a line here.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const infra = await buildInfrastructure(config, options.clock ?? systemClock);
  const { http } = infra;
  try {
    const accounts = await accountsModule(infra);
    const sync = syncModule(infra, { accounts });
    const twoFactor = twoFactorModule(infra, { accounts });
    const social = socialModule(infra, { accounts });
    const chats = await chatsModule(infra, { accounts, social });
    const files = filesModule(infra, { accounts, chats });
    const posts = postsModule(infra, { accounts, social });
    const people = peopleModule(infra, { accounts, social, chats, files, posts });
    const oauth = oauthModule(infra, { accounts, files });
    const realtime = realtimeModule(infra, { accounts, chats, social, sync });
    const operations = operationsModule(infra, { sync });
    // In the order their routes appear in the API document.
    const modules: Module[] = [accounts, twoFactor, oauth, people, social, chats, files, posts, sync, realtime, operations].map((m) => m.module);
    // The source documents' APIs, over the same services (docs/COMPAT.md).
    modules.push(...compatModules(infra, { accounts, twoFactor, social, chats, files, oauth, people, posts, realtime }));
    modules.push(...(options.extraModules?.({ infra, accounts, social, chats, files, people, posts, realtime }) ?? []));

    // Each module's routes are one encapsulated plugin at its prefix: its hooks and handlers stay its own.
    for (const { routes } of modules) if (routes) await http.register(async (scope) => routes.plugin(scope), { prefix: routes.prefix });
    for (const module of modules) await module.start?.();
    await options.configureHttp?.(http);
    await http.ready();

    return {
      config,
      http,
      database: infra.database,
      bus: infra.bus,
      housekeeping: operations.housekeeping,
      connections: realtime.registry,
      listen: () => http.listen({ host: config.host, port: config.port }),
      close: async () => {
        for (const module of [...modules].reverse()) await module.stop?.();
        // In-flight requests get a grace period; a connection still open after it (a client that
        // never finishes sending its body) is cut so that shutdown always ends.
        const deadline = setTimeout(() => http.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
        await http.close().finally(() => clearTimeout(deadline));
        await infra.close();
      },
    };
  } catch (error) {
    await infra.close();
    throw error;
  }
}
