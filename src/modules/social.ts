import { registerSocialRoutes } from '../http/social-routes.js';
import { ConnectionStatus } from '../services/social/connection-status.js';
import { SocialService } from '../services/social/social-service.js';
import { VisiblePresence } from '../services/social/visible-presence.js';
import { ConnectedUsersRepository } from '../store/connected-users-repository.js';
import { SocialRepository } from '../store/social-repository.js';
import { UserDirectory } from '../store/user-directory.js';
import type { AccountsModule } from './accounts.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** The social graph: friends, requests, blocks, and presence as each person may see it. */
export function socialModule(infra: Infrastructure, { accounts }: { accounts: AccountsModule }) {
  const { config, database, clock, presence, delivery } = infra;
  const repository = new SocialRepository(database.db);
  const directory = new UserDirectory(database.db);
  // Blocks hold on every path that shows presence: services read it only through here.
  const visiblePresence = new VisiblePresence({ presence, social: repository });
  const social = new SocialService({ social: repository, directory, presence: visiblePresence, events: delivery, clock, autoAccept: config.friends.autoAccept });

  const connections = new ConnectionStatus({ connected: new ConnectedUsersRepository(database.db), presence: visiblePresence, social: repository, clock });

  const module: Module = {
    name: 'social',
    routes: accounts.signedInRoutes('/api/v1', (scope) => registerSocialRoutes(scope, { social })),
  };
  return { module, repository, directory, visiblePresence, social, connections };
}

export type SocialModule = ReturnType<typeof socialModule>;
