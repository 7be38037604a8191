import { registerChatRoutes } from '../http/chats-routes.js';
import { ChatAccess } from '../services/chats/chat-access.js';
import { ChatService } from '../services/chats/chat-service.js';
import { DirectInvitations } from '../services/chats/direct-invitations.js';
import { MessageService } from '../services/chats/message-service.js';
import { ChatAdmission } from '../services/social/chat-admission.js';
import { ChatInvitationsRepository } from '../store/chat-invitations-repository.js';
import { ChatRosters } from '../store/chat-rosters.js';
import { ChatsRepository } from '../store/chats-repository.js';
import { MessagesRepository } from '../store/messages-repository.js';
import type { AccountsModule } from './accounts.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { SocialModule } from './social.js';

/** Chats and messages: direct chats and groups, members and roles, history, reactions, read markers. */
export async function chatsModule(infra: Infrastructure, { accounts, social }: { accounts: AccountsModule; social: SocialModule }) {
  const { config, database, bus, clock, delivery, links } = infra;
  const rosters = new ChatRosters(database.db, bus);
  await rosters.start();
  const repository = new ChatsRepository(database.db, rosters);
  const messagesRepository = new MessagesRepository(database.db, database.messageWriter);
  const chats = new ChatService({
    chats: repository,
    messages: messagesRepository,
    events: delivery,
    presence: social.visiblePresence,
    admission: new ChatAdmission({ social: social.repository, users: accounts.users }),
    clock,
    maxGroupMembers: config.chats.maxGroupMembers,
  });
  const access = new ChatAccess({ chats: repository, blocks: social.repository, events: delivery });
  const messages = new MessageService({ access, chats: repository, messages: messagesRepository, users: accounts.users, clock });

  const invitations = new DirectInvitations({ invitations: new ChatInvitationsRepository(database.db), chats, clock });

  const module: Module = {
    name: 'chats',
    routes: accounts.signedInRoutes('/api/v1/chats', (scope) =>
      registerChatRoutes(scope, { chats, messages, links, maxGroupMembers: config.chats.maxGroupMembers }),
    ),
  };
  /** Membership, for modules that show a chat's files. */
  const isMember = (chatId: number, userId: number) => repository.isMember(chatId, userId);
  /** The people one hears of when a user comes online: direct-chat partners. */
  const directPartners = (userId: number) => repository.directPartners(userId);
  return { module, chats, messages, invitations, isMember, directPartners };
}

export type ChatsModule = Awaited<ReturnType<typeof chatsModule>>;
