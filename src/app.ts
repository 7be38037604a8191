import type { Config } from './config.js';
import { buildInfrastructure } from './modules/infrastructure.js';
import { createAttemptLimiter, unlimitedAttempts } from './adapters/attempt-limiter.js';
import { systemClock, type Clock } from './adapters/clock.js';
import { FileUrls } from './adapters/file-urls.js';
import { SharpImageProcessor } from './adapters/images.js';
import { FontInitialsRenderer } from './adapters/initials-renderer.js';
import { Argon2PasswordHasher } from './adapters/password-hasher.js';
import { MemoryPresenceStore, RedisPresenceStore, type PresenceStore } from './adapters/presence-store.js';
import { registerAuthRoutes } from './http/auth/auth-routes.js';
import { registerChatRoutes } from './http/chats-routes.js';
import { createAuthenticate } from './http/auth/authenticate.js';
import { registerDevRoutes } from './http/dev-routes.js';
import { registerRateLimits } from './http/rate-limits.js';
import type { HttpServer } from './http/server.js';
import { registerUploads } from './http/uploads-routes.js';
import { registerAvatarRoutes } from './http/avatar-routes.js';
import { registerUserRoutes } from './http/users-routes.js';
import { registerSocialRoutes } from './http/social-routes.js';
import { ChatAdmission } from './services/social/chat-admission.js';
import { SocialService } from './services/social/social-service.js';
import { VisiblePresence } from './services/social/visible-presence.js';
import { ProfileService } from './services/users/profile-service.js';
import { SocialRepository } from './store/social-repository.js';
import { UserDirectory } from './store/user-directory.js';
import type { EventBus } from './adapters/bus/bus.js';
import { BusDelivery } from './realtime/delivery.js';
import { Gateway } from './realtime/gateway.js';
import { AccessTokens } from './services/auth/access-tokens.js';
import { AccountService } from './services/auth/account-service.js';
import { ApiTokenService } from './services/auth/api-token-service.js';
import type { AuthContext } from './services/auth/context.js';
import { ChatAccess } from './services/chats/chat-access.js';
import { ChatService } from './services/chats/chat-service.js';
import { MessageService } from './services/chats/message-service.js';
import { CredentialCache } from './services/auth/credential-cache.js';
import { CredentialEviction } from './services/auth/credential-eviction.js';
import { PasswordService } from './services/auth/password-service.js';
import { SessionService } from './services/auth/session-service.js';
import { Housekeeping } from './services/housekeeping.js';
import { UploadService } from './services/upload-service.js';
import { AvatarService } from './services/avatar-service.js';
import { ApiTokensRepository } from './store/api-tokens-repository.js';
import { ChatRosters } from './store/chat-rosters.js';
import { ChatsRepository } from './store/chats-repository.js';
import type { DatabaseHandle } from './store/database.js';
import { MessagesRepository } from './store/messages-repository.js';
import { HousekeepingRepository } from './store/housekeeping-repository.js';
import { UploadsRepository } from './store/uploads-repository.js';
import { AvatarsRepository } from './store/avatars-repository.js';
import type { AttachmentLinks } from './views/chats.js';
import { uploadView } from './views/uploads.js';
import { OneTimeTokensRepository } from './store/one-time-tokens-repository.js';
import { SessionsRepository } from './store/sessions-repository.js';
import { CachedUsersRepository } from './store/cached-users-repository.js';

export interface App {
  config: Config;
  http: HttpServer;
  database: DatabaseHandle;
  bus: EventBus;
  housekeeping: Housekeeping;
  gateway: Gateway;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, sends queued mail, then closes the bus, Redis and the database. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Extra routes or hooks on the HTTP server before it is ready (used by tests). */
  configureHttp?: (http: HttpServer) => void | Promise<void>;
  clock?: Clock;
}

/** How long shutdown waits for in-flight requests before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** The composition root: adapters, stores, services, HTTP and realtime, wired once. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const infrastructure = await buildInfrastructure(config, options.clock ?? systemClock);
  const { clock, database, bus, redis, blobs, http, mail, outbox, key } = infrastructure;

  try {
    // --- domain --------------------------------------------------------------------------------
    const cache = new CredentialCache(bus);
    await cache.start();
    const users = new CachedUsersRepository(database.db, bus);
    await users.start();
    const authContext: AuthContext = {
      users,
      sessions: new SessionsRepository(database.db),
      apiTokens: new ApiTokensRepository(database.db),
      oneTimeTokens: new OneTimeTokensRepository(database.db),
      hasher: new Argon2PasswordHasher(config.auth.argon2),
      clock,
      mail,
      accessTokens: new AccessTokens(key('access-token'), config.auth.accessTokenTtlSeconds),
      cache,
      loginAttempts: config.rateLimits.enabled
        ? createAttemptLimiter({ ...config.rateLimits.loginPerAccount, redis, keyPrefix: `${config.redis.keyPrefix}login-fail` })
        : unlimitedAttempts,
      keys: { oneTimeCode: key('one-time-code'), csrf: key('csrf'), refreshToken: key('refresh-token') },
      settings: {
        appUrl: config.appUrl,
        refreshTokenTtlMs: config.auth.refreshTokenTtlDays * 24 * 60 * 60 * 1000,
        refreshReuseGraceMs: config.auth.refreshReuseGraceSeconds * 1000,
        requireEmailVerification: config.auth.requireEmailVerification,
        passwordRequireMixed: config.auth.passwordRequireMixed,
      },
    };
    const accounts = new AccountService(authContext);
    const sessions = new SessionService(authContext);
    await sessions.start();
    const credentials = new CredentialEviction(authContext);
    const passwords = new PasswordService(authContext, credentials);
    const apiTokens = new ApiTokenService(authContext);

    // --- chats and real time -------------------------------------------------------------------
    const presenceStore: PresenceStore = redis
      ? new RedisPresenceStore(redis, config.redis.keyPrefix, Math.ceil((config.realtime.heartbeatMs * 3) / 1000))
      : new MemoryPresenceStore();
    const fileUrls = new FileUrls(key('file-url'), { ttlSeconds: config.uploads.urlTtlSeconds, now: () => clock.now() });
    const links: AttachmentLinks = { view: (attachment) => uploadView(attachment, fileUrls) };
    const delivery = new BusDelivery(bus, links);
    const rosters = new ChatRosters(database.db, bus);
    await rosters.start();
    const chatsRepository = new ChatsRepository(database.db, rosters);
    const uploads = new UploadService({
      uploads: new UploadsRepository(database.db),
      blobs,
      images: new SharpImageProcessor({ maxPixels: config.uploads.maxImagePixels }),
      clock,
      isChatMember: (chatId, userId) => chatsRepository.isMember(chatId, userId),
      reportError: (error, message) => http.log.warn({ err: error }, message),
    });
    const avatars = new AvatarService({
      avatars: new AvatarsRepository(database.db),
      blobs,
      images: new SharpImageProcessor({ maxPixels: config.avatars.maxPixels }),
      initials: new FontInitialsRenderer(),
      clock,
      // Profiles show the new avatar at once, on every node.
      userChanged: (userId) => users.invalidate(userId),
      reportError: (error, message) => http.log.warn({ err: error }, message),
    });
    const messagesRepository = new MessagesRepository(database.db, database.messageWriter);
    const socialRepository = new SocialRepository(database.db);
    // Blocks and privacy settings hold on every path that shows presence, notifies or adds someone.
    const visiblePresence = new VisiblePresence({ presence: presenceStore, social: socialRepository });
    const chats = new ChatService({
      chats: chatsRepository,
      messages: messagesRepository,
      events: delivery,
      presence: visiblePresence,
      admission: new ChatAdmission({ social: socialRepository, users }),
      clock,
      maxGroupMembers: config.chats.maxGroupMembers,
    });
    const chatAccess = new ChatAccess({ chats: chatsRepository, blocks: socialRepository, events: delivery });
    const messages = new MessageService({ access: chatAccess, chats: chatsRepository, messages: messagesRepository, users, clock });

    // --- people --------------------------------------------------------------------------------
    const directory = new UserDirectory(database.db);
    const social = new SocialService({
      social: socialRepository,
      directory,
      presence: visiblePresence,
      events: delivery,
      clock,
      autoAccept: config.friends.autoAccept,
    });
    const profiles = new ProfileService({
      ctx: authContext,
      accounts,
      credentials,
      directory,
      social: socialRepository,
      presence: visiblePresence,
      events: delivery,
      leaving: {
        leaveChats: (userId) => chats.removeAccount(userId),
        removeAvatar: (userId) => avatars.removeAll(userId),
        removeUnsentUploads: (userId) => uploads.removeUnattached(userId),
      },
    });
    const gateway = new Gateway({
      bus,
      credentials: { sessions, apiTokens },
      cache,
      messages,
      users,
      presence: presenceStore,
      presenceAudience: async (userId) =>
        visiblePresence.audience(userId, [...(await chatsRepository.directPartners(userId)), ...(await socialRepository.friendIds(userId))]),
      delivery,
      clock,
      log: http.log,
      trustedOrigins: [new URL(config.appUrl).origin, ...(config.corsOrigins === '*' ? [] : config.corsOrigins)],
      settings: config.realtime,
    });

    const housekeeping = new Housekeeping(
      new HousekeepingRepository(database.db),
      clock,
      (deleted) => http.log.debug({ deleted }, 'housekeeping'),
      (error) => http.log.error({ err: error }, 'housekeeping failed'),
    );
    housekeeping.start();
    infrastructure.onClose(() => housekeeping.stop());

    // --- HTTP ----------------------------------------------------------------------------------
    await registerRateLimits(http, { enabled: config.rateLimits.enabled, redis, keyPrefix: config.redis.keyPrefix });
    http.decorateRequest('principal', null);
    const authenticate = createAuthenticate({ sessions, apiTokens });
    registerAuthRoutes(http, { config, accounts, sessions, passwords, apiTokens, credentials, authenticate, now: () => clock.now() });
    registerUserRoutes(http, { profiles, authenticate });
    registerSocialRoutes(http, { social, authenticate });
    registerChatRoutes(http, { chats, messages, links, authenticate, maxGroupMembers: config.chats.maxGroupMembers });
    await registerUploads(http, { config, uploads, fileUrls, authenticate });
    await registerAvatarRoutes(http, { config, avatars, authenticate });
    await gateway.start(http);
    if (config.nodeEnv !== 'production') registerDevRoutes(http, { outbox, openToAll: config.devOutboxEnabled });

    await options.configureHttp?.(http);
    await http.ready();

    return {
      config,
      http,
      database,
      bus,
      housekeeping,
      gateway,
      listen: () => http.listen({ host: config.host, port: config.port }),
      close: async () => {
        await gateway.stop();
        // In-flight requests get a grace period; a connection still open after it (a client that
        // never finishes sending its body) is cut so that shutdown always ends.
        const deadline = setTimeout(() => http.server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
        await http.close().finally(() => clearTimeout(deadline));
        await infrastructure.close();
      },
    };
  } catch (error) {
    await infrastructure.close();
    throw error;
  }
}
