import { avatarView } from '../../views/avatars.js';
import type { ChatSummary } from '../../services/chats/chat-service.js';
import type { MessageDetails } from '../../services/chats/ports.js';
import type { ConnectionStatus } from '../../services/social/connection-status.js';
import type { SocialService } from '../../services/social/social-service.js';
import type { ProfileService } from '../../services/users/profile-service.js';
import type { PublicUser } from '../../services/users/user.js';
import { iso } from '../../views/scalars.js';

/** 000's user object: the document's fields, plus the id. */
export interface User000 {
  id: number;
  username: string;
  is_connected: boolean;
  avatar: string;
  friends: string[];
}

/** The avatar as 000 showed it: a path on the server. */
export const avatarPath = (person: PublicUser) => avatarView(person).large;

/** A message as 000's `message_set` and `last_message` show it. */
export const message000 = (message: MessageDetails) => ({
  id: message.id,
  text: textOf(message),
  realSender: message.senderUsername ?? '',
  created_at: iso(message.createdAt),
});

/** A message's text; a file sent without text shows as its name, since 000's clients show text only. */
export const textOf = (message: Pick<MessageDetails, 'text' | 'attachments'>) => message.text ?? message.attachments.map((a) => a.name).join(', ');

export interface People000Deps {
  profiles: Pick<ProfileService, 'byIds'>;
  social: Pick<SocialService, 'friendsSeenBy'>;
  connections: Pick<ConnectionStatus, 'connectedAsSeenBy'>;
}

/** Shapes people as 000's user objects, as the viewer may see them (presence and friends hidden across a block). */
export class People000 {
  constructor(private readonly deps: People000Deps) {}

  async show(viewerId: number, people: PublicUser[]): Promise<User000[]> {
    const ids = people.map((p) => p.id);
    const [connected, friends] = await Promise.all([this.deps.connections.connectedAsSeenBy(viewerId, ids), this.deps.social.friendsSeenBy(viewerId, ids)]);
    return people.map((person) => ({
      id: person.id,
      username: person.username,
      is_connected: connected.has(person.id),
      avatar: avatarPath(person),
      friends: (friends.get(person.id) ?? []).map((f) => f.username),
    }));
  }

  async byIds(viewerId: number, ids: number[]): Promise<Map<number, User000>> {
    const people = await this.deps.profiles.byIds(ids);
    const shown = await this.show(viewerId, [...people.values()]);
    return new Map(shown.map((user) => [user.id, user]));
  }

  /** A direct chat as 000's conversation: who started it and who was asked. */
  async conversation(viewerId: number, chat: ChatSummary): Promise<{ id: number; initiator: User000 | null; receiver: User000 | null }> {
    const memberIds = chat.members.map((m) => m.userId);
    const initiatorId = chat.createdBy !== null && memberIds.includes(chat.createdBy) ? chat.createdBy : memberIds[0];
    const receiverId = memberIds.find((id) => id !== initiatorId);
    const users = await this.byIds(viewerId, memberIds);
    return {
      id: chat.id,
      initiator: (initiatorId !== undefined && users.get(initiatorId)) || null,
      receiver: (receiverId !== undefined && users.get(receiverId)) || null,
    };
  }
}
