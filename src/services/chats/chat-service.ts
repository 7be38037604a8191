import type { Clock } from '../../adapters/clock.js';
import type { ChatsRepository, MemberRecord, MembershipRecord } from '../../store/chats-repository.js';
import type { MessagesRepository } from '../../store/messages-repository.js';
import { forbidden, notFound, validationError } from '../errors.js';
import type { AdmissionPolicy, ChatEventSink, MessageDetails, PresenceView } from './ports.js';

/** A member of a chat: who, their role, and since when. */
export type ChatMember = MemberRecord;

export interface ChatSummary extends MembershipRecord {
  members: ChatMember[];
  memberCount: number;
  /** The furthest any other member has read: the viewer's messages up to this seq have been seen. */
  othersReadSeq: number;
  /** The members online, as whoever this summary is shown to may see them; an array, so a summary is plain JSON and travels the bus as is. */
  online: number[];
  lastMessage: MessageDetails | null;
}

/** What the chat service reads and changes of chats and their members. */
type ChatStore = Pick<
  ChatsRepository,
  | 'findOrCreateDirect' | 'createGroup' | 'findMembership' | 'listForUser' | 'members' | 'memberIds' | 'memberStats' | 'countMembers'
  | 'isMember' | 'existingUserIds' | 'addMembers' | 'removeMember' | 'setRole' | 'transferOwnership' | 'successor' | 'membershipsOf'
  | 'rename' | 'delete'
>;

export interface ChatDeps {
  chats: ChatStore;
  /** Chat summaries show each chat's newest message. */
  messages: Pick<MessagesRepository, 'latest' | 'attachments'>;
  events: ChatEventSink;
  presence: PresenceView;
  /** Asked on every path that puts someone into a chat. */
  admission: AdmissionPolicy;
  clock: Clock;
  maxGroupMembers: number;
}

const chatNotFound = () => notFound('chat_not_found', 'No such chat');

/** Chats and their membership. Every method checks that the caller belongs to the chat. */
export class ChatService {
  constructor(private readonly deps: ChatDeps) {}

  async createDirect(userId: number, otherId: number): Promise<{ chat: ChatSummary; created: boolean }> {
    const { chats, clock } = this.deps;
    if (otherId === userId) throw validationError('cannot_chat_with_self', 'A direct chat needs another person', [{ field: 'memberIds', message: 'must name someone else' }]);
    if ((await chats.existingUserIds([otherId])).length === 0) throw notFound('user_not_found', 'No such user');
    await this.deps.admission.admit(userId, [otherId], { kind: 'direct', field: 'memberIds' });
    const { chatId, created } = await chats.findOrCreateDirect(userId, otherId, clock.now());
    const chat = await this.get(userId, chatId);
    if (created) await this.publishChat('chat.created', chat, [userId, otherId]);
    return { chat, created };
  }

  async createGroup(userId: number, name: string, memberIds: number[]): Promise<ChatSummary> {
    const { chats, clock, maxGroupMembers } = this.deps;
    const trimmed = name.trim();
    if (!trimmed) throw validationError('validation_failed', 'The group needs a name', [{ field: 'name', message: 'must not be empty' }]);
    const others = [...new Set(memberIds)].filter((id) => id !== userId);
    if (others.length + 1 > maxGroupMembers) {
      throw validationError('too_many_members', `A group has at most ${maxGroupMembers} members`, [{ field: 'memberIds', message: `must have at most ${maxGroupMembers - 1} people` }]);
    }
    await this.requireUsers(others);
    await this.deps.admission.admit(userId, others, { kind: 'group', field: 'memberIds' });
    const chatId = await chats.createGroup(userId, trimmed, others, clock.now());
    const chat = await this.get(userId, chatId);
    await this.publishChat('chat.created', chat, [userId, ...others]);
    return chat;
  }

  async get(userId: number, chatId: number): Promise<ChatSummary> {
    const membership = await this.deps.chats.findMembership(chatId, userId);
    if (!membership) throw chatNotFound();
    const [summary] = await this.summarize(userId, [membership]);
    return summary!;
  }

  /** My chats, most recent activity first; `withMember` keeps those that person is in too. */
  async list(userId: number, query: { search?: string; withMember?: number; after?: { activityAt: number; id: number }; limit: number }): Promise<ChatSummary[]> {
    return this.summarize(userId, await this.deps.chats.listForUser(userId, query));
  }

  /** My chats as `list` finds them, every page of them up to `max`: for clients that take a list whole. */
  async listAll(userId: number, query: { search?: string; withMember?: number }, max: number): Promise<ChatSummary[]> {
    const all: ChatSummary[] = [];
    const pageSize = Math.min(100, max);
    for (let after: { activityAt: number; id: number } | undefined; all.length < max; ) {
      const page = await this.list(userId, { ...query, after, limit: pageSize });
      all.push(...page);
      const last = page.at(-1);
      if (page.length < pageSize || !last) break;
      after = { activityAt: last.activityAt, id: last.id };
    }
    return all.slice(0, max);
  }

  /** Every member's id, where a summary lists only the first 100 members. */
  async memberIds(userId: number, chatId: number): Promise<number[]> {
    if (!(await this.deps.chats.isMember(chatId, userId))) throw chatNotFound();
    return this.deps.chats.memberIds(chatId);
  }

  async rename(userId: number, chatId: number, name: string): Promise<ChatSummary> {
    const membership = await this.requireGroupRole(userId, chatId, ['owner', 'admin']);
    const trimmed = name.trim();
    if (!trimmed) throw validationError('validation_failed', 'The group needs a name', [{ field: 'name', message: 'must not be empty' }]);
    await this.deps.chats.rename(membership.id, trimmed, this.deps.clock.now());
    return this.announceUpdate(userId, chatId);
  }

  async transferOwnership(userId: number, chatId: number, newOwnerId: number): Promise<ChatSummary> {
    await this.requireGroupRole(userId, chatId, ['owner']);
    if (newOwnerId === userId) return this.get(userId, chatId);
    if (!(await this.deps.chats.isMember(chatId, newOwnerId))) {
      throw validationError('not_a_member', 'Ownership can only go to a member', [{ field: 'ownerId', message: 'must be a member of the chat' }]);
    }
    await this.deps.chats.transferOwnership(chatId, userId, newOwnerId, this.deps.clock.now());
    return this.announceUpdate(userId, chatId);
  }

  async setRole(userId: number, chatId: number, targetId: number, role: 'admin' | 'member'): Promise<ChatSummary> {
    await this.requireGroupRole(userId, chatId, ['owner']);
    const target = await this.deps.chats.findMembership(chatId, targetId);
    if (!target) throw notFound('member_not_found', 'That person is not a member of this chat');
    if (target.role === 'owner') throw validationError('owner_role', 'Hand over ownership before changing the owner’s role');
    await this.deps.chats.setRole(chatId, targetId, role, this.deps.clock.now());
    return this.announceUpdate(userId, chatId);
  }

  async addMembers(userId: number, chatId: number, userIds: number[]): Promise<ChatSummary> {
    const { chats, clock, maxGroupMembers } = this.deps;
    await this.requireGroupRole(userId, chatId, ['owner', 'admin']);
    await this.requireUsers(userIds);
    const current = await chats.countMembers(chatId);
    const existing = new Set(await chats.memberIds(chatId));
    const incoming = [...new Set(userIds)].filter((id) => !existing.has(id));
    if (current + incoming.length > maxGroupMembers) {
      throw validationError('too_many_members', `A group has at most ${maxGroupMembers} members`, [{ field: 'userIds', message: `would exceed ${maxGroupMembers} members` }]);
    }
    await this.deps.admission.admit(userId, incoming, { kind: 'group', field: 'userIds' });
    const added = await chats.addMembers(chatId, incoming, clock.now());
    const chat = await this.get(userId, chatId);
    if (added.length > 0) {
      const addedSet = new Set(added);
      const recipients = await chats.memberIds(chatId);
      await this.deps.events.publish(recipients, { type: 'member.added', chatId, members: chat.members.filter((m) => addedSet.has(m.userId)) });
      // The newcomers learn about the chat itself too.
      await this.publishChat('chat.created', chat, added);
    }
    return chat;
  }

  /** Admins remove members; anyone removes themself (leaves). The owner must hand over first. */
  async removeMember(userId: number, chatId: number, targetId: number): Promise<void> {
    const { chats, clock } = this.deps;
    const membership = await chats.findMembership(chatId, userId);
    if (!membership) throw chatNotFound();
    if (membership.kind !== 'group') throw forbidden('direct_chat', 'People cannot leave or be removed from a direct chat');
    const target = targetId === userId ? membership : await chats.findMembership(chatId, targetId);
    if (!target) throw notFound('member_not_found', 'That person is not a member of this chat');
    if (targetId !== userId) {
      if (membership.role === 'member') throw forbidden('not_admin', 'Only the owner and admins can remove members');
      if (target.role === 'owner' || (target.role === 'admin' && membership.role !== 'owner')) {
        throw forbidden('not_allowed', 'Admins cannot remove the owner or other admins');
      }
    } else if (membership.role === 'owner') {
      throw forbidden('owner_must_transfer', 'Hand ownership to another member, or delete the group, before leaving');
    }
    const recipients = await chats.memberIds(chatId);
    await chats.removeMember(chatId, targetId, clock.now());
    await this.deps.events.publish(recipients, { type: 'member.removed', chatId, userId: targetId });
  }

  /**
   * Takes a user who is deleting their account out of every chat: a group they own passes to its
   * longest-standing admin (or member), a group left empty is deleted, and the others hear
   * `member.removed`. Their messages stay, with no sender.
   */
  async removeAccount(userId: number): Promise<void> {
    const { chats, clock } = this.deps;
    for (const { chatId, kind, role } of await chats.membershipsOf(userId)) {
      const now = clock.now();
      if (kind === 'group' && role === 'owner') {
        const successor = await chats.successor(chatId, userId);
        if (successor === undefined) {
          await chats.delete(chatId);
          continue;
        }
        await chats.transferOwnership(chatId, userId, successor, now);
      }
      await chats.removeMember(chatId, userId, now);
      const recipients = await chats.memberIds(chatId);
      await this.deps.events.publish(recipients, { type: 'member.removed', chatId, userId });
      if (kind === 'group' && role === 'owner') await this.publishChat('chat.updated', await this.get(recipients[0]!, chatId), recipients);
    }
  }

  async delete(userId: number, chatId: number): Promise<void> {
    await this.requireGroupRole(userId, chatId, ['owner']);
    const recipients = await this.deps.chats.memberIds(chatId);
    await this.deps.chats.delete(chatId);
    await this.deps.events.publish(recipients, { type: 'chat.deleted', chatId });
  }

  private async announceUpdate(userId: number, chatId: number): Promise<ChatSummary> {
    const chat = await this.get(userId, chatId);
    await this.publishChat('chat.updated', chat, await this.deps.chats.memberIds(chatId));
    return chat;
  }

  /**
   * Sends a chat to its members in one frame for all of them, so its members show online only
   * those whom every recipient may see (a block hides presence both ways).
   */
  private async publishChat(type: 'chat.created' | 'chat.updated', chat: ChatSummary, recipients: number[]): Promise<void> {
    const online = await this.deps.presence.onlineAsSeenBy(recipients, chat.members.map((m) => m.userId));
    await this.deps.events.publish(recipients, { type, chat: { ...chat, online: [...online] } });
  }

  private async requireGroupRole(userId: number, chatId: number, roles: Array<MembershipRecord['role']>): Promise<MembershipRecord> {
    const membership = await this.deps.chats.findMembership(chatId, userId);
    if (!membership) throw chatNotFound();
    if (membership.kind !== 'group') throw forbidden('direct_chat', 'A direct chat has no owner or admins');
    if (!roles.includes(membership.role)) {
      throw forbidden(roles.includes('admin') ? 'not_admin' : 'not_owner', roles.includes('admin') ? 'Only the owner and admins can do this' : 'Only the owner can do this');
    }
    return membership;
  }

  private async requireUsers(userIds: number[]): Promise<void> {
    const unique = [...new Set(userIds)];
    const found = new Set(await this.deps.chats.existingUserIds(unique));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw validationError('user_not_found', `No such user: ${missing.join(', ')}`, missing.map((id) => ({ field: 'userIds', message: `user ${id} does not exist` })));
    }
  }

  /** The chats as `viewerId` sees them. */
  private async summarize(viewerId: number, chats: MembershipRecord[]): Promise<ChatSummary[]> {
    const ids = chats.map((c) => c.id);
    const [members, stats, latest] = await Promise.all([
      this.deps.chats.members(ids),
      this.deps.chats.memberStats(ids, viewerId),
      this.deps.messages.latest(ids),
    ]);
    const attachments = await this.deps.messages.attachments(latest.map((m) => m.id));
    const online = [...(await this.deps.presence.onlineAsSeenBy([viewerId], [...new Set(members.map((m) => m.userId))]))];
    return chats.map((chat) => {
      const last = latest.find((m) => m.chatId === chat.id);
      return {
        ...chat,
        members: members.filter((m) => m.chatId === chat.id),
        memberCount: stats.get(chat.id)?.count ?? 0,
        othersReadSeq: stats.get(chat.id)?.othersReadSeq ?? 0,
        online,
        lastMessage: last ? { ...last, attachments: attachments.filter((a) => a.messageId === last.id) } : null,
      };
    });
  }
}

