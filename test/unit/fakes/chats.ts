import type { ChatPageQuery, ChatRecord, ChatsRepository, MemberRecord, MembershipRecord } from '../../../src/store/chats-repository.js';
import type { Roster } from '../../../src/store/chat-rosters.js';
import type { ChatKind, ChatRole } from '../../../src/store/schema.js';
import type { FakePeople } from './people.js';

type Used =
  | 'roster' | 'findOrCreateDirect' | 'createGroup' | 'findMembership' | 'memberIds' | 'isMember' | 'countMembers' | 'members'
  | 'memberStats' | 'listForUser' | 'addMembers' | 'removeMember' | 'setRole' | 'transferOwnership' | 'rename' | 'delete'
  | 'markRead' | 'membershipsOf' | 'successor' | 'existingUserIds';

interface Member {
  userId: number;
  role: ChatRole;
  joinedAt: number;
  lastReadSeq: number;
}

/**
 * Chats and their members in memory, answering as the SQL repository does. Who succeeds an owner
 * and the forward-only read marker are copied from the repository, where they are decided today.
 */
export class FakeChats implements Pick<ChatsRepository, Used> {
  private readonly chats = new Map<number, ChatRecord & { members: Member[] }>();
  private nextId = 1;

  constructor(private readonly people: FakePeople) {}

  /** Messages arrive: the chat's newest seq moves on by `count`. */
  post(chatId: number, count = 1): void {
    this.chat(chatId)!.lastSeq += count;
  }

  exists(chatId: number): boolean {
    return this.chats.has(chatId);
  }

  async roster(chatId: number): Promise<Roster | undefined> {
    const chat = this.chat(chatId);
    if (!chat) return undefined;
    return { kind: chat.kind, roles: new Map(chat.members.map((m) => [m.userId, m.role])), memberIds: chat.members.map((m) => m.userId) };
  }

  async findOrCreateDirect(userId: number, otherId: number, now: number): Promise<{ chatId: number; created: boolean }> {
    const existing = [...this.chats.values()].find((c) => c.kind === 'direct' && c.members.some((m) => m.userId === userId) && c.members.some((m) => m.userId === otherId));
    if (existing) return { chatId: existing.id, created: false };
    return { chatId: this.insert('direct', null, userId, [[userId, 'member'], [otherId, 'member']], now), created: true };
  }

  async createGroup(creatorId: number, name: string, memberIds: number[], now: number): Promise<number> {
    return this.insert('group', name, creatorId, [[creatorId, 'owner'], ...memberIds.map((id) => [id, 'member'] as [number, ChatRole])], now);
  }

  async findMembership(chatId: number, userId: number): Promise<MembershipRecord | undefined> {
    const chat = this.chat(chatId);
    const member = chat?.members.find((m) => m.userId === userId);
    if (!chat || !member) return undefined;
    const { members: _all, ...record } = chat;
    return { ...record, role: member.role, lastReadSeq: member.lastReadSeq };
  }

  async memberIds(chatId: number): Promise<number[]> {
    return this.chat(chatId)?.members.map((m) => m.userId) ?? [];
  }

  async isMember(chatId: number, userId: number): Promise<boolean> {
    return (await this.memberIds(chatId)).includes(userId);
  }

  async countMembers(chatId: number): Promise<number> {
    return (await this.memberIds(chatId)).length;
  }

  async members(chatIds: number[]): Promise<MemberRecord[]> {
    return chatIds.flatMap((chatId) =>
      (this.chat(chatId)?.members ?? []).map(({ userId, role, joinedAt }) => {
        const person = this.people.person(userId)!;
        return { chatId, userId, role, joinedAt, username: person.username, firstName: person.firstName, lastName: person.lastName, avatarKey: person.avatarKey };
      }),
    );
  }

  async memberStats(chatIds: number[], viewerId: number): Promise<Map<number, { count: number; othersReadSeq: number }>> {
    return new Map(
      chatIds.map((id) => {
        const members = this.chat(id)?.members ?? [];
        return [id, { count: members.length, othersReadSeq: Math.max(0, ...members.filter((m) => m.userId !== viewerId).map((m) => m.lastReadSeq)) }];
      }),
    );
  }

  async listForUser(userId: number, query: ChatPageQuery): Promise<MembershipRecord[]> {
    const ids = [...this.chats.keys()].reverse().filter((id) => query.withMember === undefined || this.member(id, query.withMember) !== undefined);
    const found = await Promise.all(ids.map((id) => this.findMembership(id, userId)));
    return found.filter((m) => m !== undefined);
  }

  async addMembers(chatId: number, userIds: number[], now: number): Promise<number[]> {
    const chat = this.chat(chatId)!;
    const added = [...new Set(userIds)].filter((id) => !chat.members.some((m) => m.userId === id));
    chat.members.push(...added.map((userId) => ({ userId, role: 'member' as const, joinedAt: now, lastReadSeq: 0 })));
    return added;
  }

  async removeMember(chatId: number, userId: number): Promise<boolean> {
    const chat = this.chat(chatId);
    const before = chat?.members.length ?? 0;
    if (chat) chat.members = chat.members.filter((m) => m.userId !== userId);
    return (chat?.members.length ?? 0) < before;
  }

  async setRole(chatId: number, userId: number, role: ChatRole): Promise<void> {
    const member = this.member(chatId, userId);
    if (member) member.role = role;
  }

  /** The old owner becomes an admin. */
  async transferOwnership(chatId: number, fromId: number, toId: number): Promise<void> {
    await this.setRole(chatId, fromId, 'admin');
    await this.setRole(chatId, toId, 'owner');
  }

  async rename(chatId: number, name: string): Promise<void> {
    this.chat(chatId)!.name = name;
  }

  async delete(chatId: number): Promise<void> {
    this.chats.delete(chatId);
  }

  /** Forward only; returns where the marker stands. */
  async markRead(chatId: number, userId: number, seq: number): Promise<number> {
    const member = this.member(chatId, userId);
    if (!member) return 0;
    member.lastReadSeq = Math.max(member.lastReadSeq, seq);
    return member.lastReadSeq;
  }

  async membershipsOf(userId: number): Promise<Array<{ chatId: number; kind: ChatKind; role: ChatRole }>> {
    return [...this.chats.values()].flatMap((c) => c.members.filter((m) => m.userId === userId).map((m) => ({ chatId: c.id, kind: c.kind, role: m.role })));
  }

  /** The longest-standing admin, else the longest-standing member (ties by id). */
  async successor(chatId: number, leavingId: number): Promise<number | undefined> {
    const rank = (m: Member) => [m.role === 'admin' ? 0 : 1, m.joinedAt, m.userId];
    const candidates = (this.chat(chatId)?.members ?? []).filter((m) => m.userId !== leavingId);
    candidates.sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0]! - rb[0]! || ra[1]! - rb[1]! || ra[2]! - rb[2]!;
    });
    return candidates[0]?.userId;
  }

  async existingUserIds(userIds: number[]): Promise<number[]> {
    return userIds.filter((id) => this.people.has(id));
  }

  private insert(kind: ChatKind, name: string | null, createdBy: number, members: Array<[number, ChatRole]>, now: number): number {
    const id = this.nextId++;
    this.chats.set(id, {
      id, kind, name, createdBy, createdAt: now, updatedAt: now, lastSeq: 0, activityAt: now,
      members: members.map(([userId, role]) => ({ userId, role, joinedAt: now, lastReadSeq: 0 })),
    });
    return id;
  }

  private chat(chatId: number) {
    return this.chats.get(chatId);
  }

  private member(chatId: number, userId: number): Member | undefined {
    return this.chat(chatId)?.members.find((m) => m.userId === userId);
  }
}
