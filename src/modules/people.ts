import { registerUserRoutes } from '../http/users-routes.js';
import { ProfileService } from '../services/users/profile-service.js';
import type { AccountsModule } from './accounts.js';
import type { ChatsModule } from './chats.js';
import type { FilesModule } from './files.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { PostsModule } from './posts.js';
import type { SocialModule } from './social.js';

interface PeopleNeeds {
  accounts: AccountsModule;
  social: SocialModule;
  chats: ChatsModule;
  files: FilesModule;
  posts: PostsModule;
}

/** People: my profile and account, other people's profiles, the directory, and leaving. */
export function peopleModule(infra: Infrastructure, { accounts, social, chats, files, posts }: PeopleNeeds) {
  const profiles = new ProfileService({
    ctx: accounts.context,
    accounts: accounts.accounts,
    credentials: accounts.eviction,
    directory: social.directory,
    social: social.repository,
    presence: social.visiblePresence,
    events: infra.delivery,
    // What an account takes with it when it goes.
    leaving: {
      leaveChats: (userId) => chats.chats.removeAccount(userId),
      removeAvatar: (userId) => files.avatars.removeAll(userId),
      removeUnsentUploads: (userId) => files.uploads.removeUnattached(userId),
      removePostImages: (userId) => posts.posts.removeAccount(userId),
    },
  });
  const module: Module = {
    name: 'people',
    routes: accounts.signedInRoutes('/api/v1/users', (scope) => registerUserRoutes(scope, { profiles })),
  };
  return { module, profiles };
}

export type PeopleModule = ReturnType<typeof peopleModule>;
