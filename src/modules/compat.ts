import type { CompatSeed } from '../config.js';
import { RESERVED_ROOTS } from '../http/reserved-paths.js';
import { serveDialect, type Dialect } from '../compat/dialect.js';
import { DjangoAuth } from '../compat/django/auth.js';
import { djangoErrors } from '../compat/django/errors.js';
import { SimpleJwt } from '../compat/django/simple-jwt.js';
import { DjangoTokens } from '../compat/django/tokens.js';
import { dialect000 } from '../compat/000/routes.js';
import { chat000Socket } from '../compat/000/socket.js';
import { People000 } from '../compat/000/views.js';
import { dialect001 } from '../compat/001/routes.js';
import { dialect002 } from '../compat/002/routes.js';
import { PlainBase64Jwt } from '../compat/002/jwt.js';
import { dialect003 } from '../compat/003/routes.js';
import { Auth004 } from '../compat/004/auth.js';
import { PublicIds } from '../compat/004/public-ids.js';
import { dialect004 } from '../compat/004/routes.js';
import { chat004Socket } from '../compat/004/socket.js';
import { SessionTokens } from '../compat/django/token-auth.js';
import type { AccountsModule } from './accounts.js';
import type { ChatsModule } from './chats.js';
import type { FilesModule } from './files.js';
import { allowedOrigins, type OAuthModule } from './oauth.js';
import type { PeopleModule } from './people.js';
import type { PostsModule } from './posts.js';
import type { RealtimeModule } from './realtime.js';
import type { SocialModule } from './social.js';
import type { TwoFactorModule } from './two-factor.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

export interface CompatNeeds {
  accounts: AccountsModule;
  twoFactor: TwoFactorModule;
  social: SocialModule;
  chats: ChatsModule;
  files: FilesModule;
  oauth: OAuthModule;
  people: PeopleModule;
  posts: PostsModule;
  realtime: RealtimeModule;
}


/** Refuses a dialect at the root whose paths would shadow ours. */
export function checkRootCollisions(dialect: Pick<Dialect, 'seed' | 'roots'>): void {
  for (const root of dialect.roots) {
    const clash = RESERVED_ROOTS.find((ours) => root === ours || root.startsWith(`${ours}/`) || ours.startsWith(`${root}/`));
    if (clash) throw new Error(`COMPAT_ROOT=${dialect.seed} cannot be served at the root: its path /${root} would shadow /${clash}`);
  }
}

/**
 * The source documents' APIs, each a thin dialect over the same services at `/compat/<seed>`
 * (docs/COMPAT.md); `COMPAT_ROOT` also serves one at the root. Each dialect is its own module.
 */
export function compatModules(infra: Infrastructure, needs: CompatNeeds): Module[] {
  const { config } = infra;
  const { accounts, social, chats, files, people } = needs;
  const jwtFor = (seed: CompatSeed, accessSeconds: number) =>
    new SimpleJwt(infra.key(`compat-${seed}-jwt`), { accessSeconds, refreshSeconds: config.auth.refreshTokenTtlDays * 86_400 });
  const authWith = (jwt: SimpleJwt) => new DjangoAuth({ jwt, sessions: accounts.sessions, apiTokens: accounts.apiTokens });

  const build: Record<CompatSeed, () => Dialect> = {
    '000': () => {
      // The document's access tokens live an hour; its `Token` lives as long as the session.
      const jwt = jwtFor('000', 3600);
      const sessionTokens = new SessionTokens(infra.key('compat-000-token'));
      const auth = new DjangoAuth({ jwt, sessions: accounts.sessions, apiTokens: accounts.apiTokens, sessionTokens });
      const socket = chat000Socket({ registry: needs.realtime.registry, auth, messages: chats.messages, isMember: chats.isMember, log: infra.log });
      infra.metrics.realtime.protocol(socket.name);
      return dialect000({
        config,
        auth,
        tokens: new DjangoTokens(jwt, accounts.sessions),
        sessionTokens,
        accounts: accounts.accounts,
        sessions: accounts.sessions,
        passwords: accounts.passwords,
        mailedCodes: needs.twoFactor.mailedCodes,
        profiles: people.profiles,
        avatars: files.avatars,
        social: social.social,
        connections: social.connections,
        chats: chats.chats,
        messages: chats.messages,
        invitations: chats.invitations,
        oauth: needs.oauth.oauth,
        people: new People000({ profiles: people.profiles, social: social.social, connections: social.connections }),
        socket,
        });
      },
    '001': () => {
      // Access tokens live five minutes, SimpleJWT's default; refresh tokens rotate.
      const jwt = jwtFor('001', 300);
      return dialect001({
        config,
        accounts: accounts.accounts,
        passwords: accounts.passwords,
        profiles: people.profiles,
        avatars: files.avatars,
        chats: chats.chats,
        messages: chats.messages,
        uploads: files.uploads,
        links: infra.links,
        tokens: new DjangoTokens(jwt, accounts.sessions),
        auth: authWith(jwt),
      });
    },
    '002': () => {
      // Its clients decode the tokens with `atob`: plain base64 segments. Access tokens live 5 minutes (SimpleJWT's default).
      const jwt = new PlainBase64Jwt(infra.key('compat-002-jwt'), { accessSeconds: 300, refreshSeconds: config.auth.refreshTokenTtlDays * 86_400 });
      return dialect002({
        config,
        accounts: accounts.accounts,
        sessions: accounts.sessions,
        passwords: accounts.passwords,
        twoFactor: needs.twoFactor.settings,
        secondFactor: needs.twoFactor.login,
        profiles: people.profiles,
        social: social.social,
        avatars: files.avatars,
        oauth: needs.oauth.oauth,
        redirectOrigins: allowedOrigins(config),
        tokens: new DjangoTokens(jwt, accounts.sessions),
        auth: authWith(jwt),
      });
    },
    '003': () => {
      // Access tokens live one day, as the document says.
      const jwt = jwtFor('003', 86_400);
      return dialect003({ config, accounts: accounts.accounts, tokens: new DjangoTokens(jwt, accounts.sessions), auth: authWith(jwt) });
    },
    '004': () => {
      // One token per session, kept in the cookie as long as the session may live.
      const sessionSeconds = config.auth.refreshTokenTtlDays * 86_400;
      const jwt = jwtFor('004', sessionSeconds);
      const auth = new Auth004({ auth: authWith(jwt), origins: allowedOrigins(config), publicUrl: config.oauth.publicUrl, cookieSeconds: sessionSeconds });
      const ids = new PublicIds(infra.key('compat-004-ids'));
      const socket = chat004Socket({
        registry: needs.realtime.registry,
        auth,
        ids,
        profiles: people.profiles,
        chats: chats.chats,
        messages: chats.messages,
        isMember: chats.isMember,
        log: infra.log,
        publicUrl: config.oauth.publicUrl,
      });
      infra.metrics.realtime.protocol(socket.name);
      return dialect004({
        config,
        accounts: accounts.accounts,
        sessions: accounts.sessions,
        profiles: people.profiles,
        avatars: files.avatars,
        social: social.social,
        posts: needs.posts.posts,
        postLinks: infra.links,
        chats: chats.chats,
        messages: chats.messages,
        tokens: new DjangoTokens(jwt, accounts.sessions),
        auth,
        ids,
        socket,
      });
    },
  };
  const limits = { maxFileBytes: Math.max(config.uploads.maxBytes, config.avatars.maxBytes) };
  const modules: Module[] = [];
  for (const seed of config.compat.dialects) {
    const dialect = build[seed]();
    const mounts = [`/compat/${seed}`];
    if (config.compat.root === seed) {
      checkRootCollisions(dialect);
      mounts.push('');
    }
    for (const prefix of mounts) {
      modules.push({
        name: `compat-${seed}${prefix === '' ? '-root' : ''}`,
        routes: { prefix, plugin: (scope) => serveDialect(scope, dialect, dialect.errors ?? djangoErrors, limits, { root: prefix === '' }) },
      });
    }
  }
  return modules;
}
