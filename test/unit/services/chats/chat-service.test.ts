import { beforeEach, describe, expect, it } from 'vitest';
import { ChatService } from '../../../../src/services/chats/chat-service.js';
import { ChatAdmission } from '../../../../src/services/social/chat-admission.js';
import { FakeChats } from '../../fakes/chats.js';
import { FakeClock } from '../../fakes/clock.js';
import { RecordedChatEvents } from '../../fakes/events.js';
import { NoMessages } from '../../fakes/messages.js';
import { FakePeople } from '../../fakes/people.js';
import { FakePresence } from '../../fakes/presence.js';
import { FakeSocialGraph } from '../../fakes/social-graph.js';

const MAX_MEMBERS = 5;
const [owner, admin, member, other, outsider, stranger] = [1, 2, 3, 4, 5, 6];

let people: FakePeople;
let chats: FakeChats;
let social: FakeSocialGraph;
let events: RecordedChatEvents;
let service: ChatService;

beforeEach(() => {
  people = new FakePeople();
  for (const id of [owner, admin, member, other, outsider]) people.add(id);
  chats = new FakeChats(people);
  social = new FakeSocialGraph(people);
  events = new RecordedChatEvents();
  service = new ChatService({
    chats,
    messages: new NoMessages(),
    events,
    presence: new FakePresence(),
    admission: new ChatAdmission({ social, users: people }),
    clock: new FakeClock(),
    maxGroupMembers: MAX_MEMBERS,
  });
});

/** A group of owner, admin and member, in that order of joining, with no events recorded yet. */
async function group(): Promise<number> {
  const { id } = await service.createGroup(owner, 'Team', [admin, member]);
  await service.setRole(owner, id, admin, 'admin');
  events.sent.length = 0;
  return id;
}

const roles = async (chatId: number) => Object.fromEntries((await service.get(owner, chatId).catch(() => undefined))?.members.map((m) => [m.userId, m.role]) ?? []);

describe('creating a group', () => {
  it('makes the creator owner and the others members, and tells them all', async () => {
    const chat = await service.createGroup(owner, '  Team  ', [admin, member, admin, owner]);
    expect(chat.name).toBe('Team');
    expect(Object.fromEntries(chat.members.map((m) => [m.userId, m.role]))).toEqual({ [owner]: 'owner', [admin]: 'member', [member]: 'member' });
    expect(events.ofType('chat.created').map((e) => e.recipients)).toEqual([[owner, admin, member]]);
  });

  it('refuses a blank name', async () => {
    await expect(service.createGroup(owner, '   ', [admin])).rejects.toMatchObject({ kind: 'validation', code: 'validation_failed' });
  });

  it('counts the creator against the member limit', async () => {
    await expect(service.createGroup(owner, 'Big', [admin, member, other, outsider])).resolves.toMatchObject({ memberCount: MAX_MEMBERS });
    people.add(stranger);
    await expect(service.createGroup(owner, 'Too big', [admin, member, other, outsider, stranger])).rejects.toMatchObject({ kind: 'validation', code: 'too_many_members' });
  });

  it('names each unknown user', async () => {
    await expect(service.createGroup(owner, 'Team', [admin, 98, 99])).rejects.toMatchObject({
      code: 'user_not_found',
      details: { fields: [{ field: 'userIds', message: 'user 98 does not exist' }, { field: 'userIds', message: 'user 99 does not exist' }] },
    });
  });

  it('refuses to bring in someone across a block, either way', async () => {
    await social.block(member, owner, 0);
    await expect(service.createGroup(owner, 'Team', [admin, member])).rejects.toMatchObject({ kind: 'forbidden', code: 'blocked' });
    expect(events.sent).toEqual([]);
  });

  it('brings in someone who allows only friends only by a friend', async () => {
    people.add(stranger, 'shy', 'friends');
    await expect(service.createGroup(owner, 'Team', [stranger])).rejects.toMatchObject({ kind: 'forbidden', code: 'group_add_not_allowed' });
    await social.request(owner, stranger, 0, true);
    await expect(service.createGroup(owner, 'Team', [stranger])).resolves.toMatchObject({ memberCount: 2 });
  });
});

describe('direct chats', () => {
  it('are one per pair: the second start finds the first and tells nobody again', async () => {
    const first = await service.createDirect(owner, member);
    const second = await service.createDirect(member, owner);
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.chat.id).toBe(first.chat.id);
    expect(events.ofType('chat.created')).toHaveLength(1);
  });

  it('need another person who exists and does not block', async () => {
    await expect(service.createDirect(owner, owner)).rejects.toMatchObject({ code: 'cannot_chat_with_self' });
    await expect(service.createDirect(owner, 99)).rejects.toMatchObject({ kind: 'not_found', code: 'user_not_found' });
    await social.block(other, owner, 0);
    await expect(service.createDirect(owner, other)).rejects.toMatchObject({ kind: 'forbidden', code: 'blocked' });
  });

  it('have no owner or admins, and nobody leaves them', async () => {
    const { chat } = await service.createDirect(owner, member);
    await expect(service.rename(owner, chat.id, 'Us')).rejects.toMatchObject({ kind: 'forbidden', code: 'direct_chat' });
    await expect(service.addMembers(owner, chat.id, [other])).rejects.toMatchObject({ code: 'direct_chat' });
    await expect(service.removeMember(owner, chat.id, owner)).rejects.toMatchObject({ code: 'direct_chat' });
    await expect(service.delete(member, chat.id)).rejects.toMatchObject({ code: 'direct_chat' });
  });
});

describe('who may do what in a group', () => {
  it('lets the owner and admins rename, and tells every member', async () => {
    const chatId = await group();
    await expect(service.rename(admin, chatId, ' New name ')).resolves.toMatchObject({ name: 'New name' });
    await expect(service.rename(owner, chatId, 'Newer')).resolves.toMatchObject({ name: 'Newer' });
    expect(events.ofType('chat.updated').map((e) => [e.event.chat.name, e.recipients])).toEqual([
      ['New name', [owner, admin, member]],
      ['Newer', [owner, admin, member]],
    ]);
  });

  it('refuses members, and hides the chat from outsiders', async () => {
    const chatId = await group();
    await expect(service.rename(member, chatId, 'Mine')).rejects.toMatchObject({ kind: 'forbidden', code: 'not_admin' });
    await expect(service.addMembers(member, chatId, [other])).rejects.toMatchObject({ kind: 'forbidden', code: 'not_admin' });
    await expect(service.rename(outsider, chatId, 'Mine')).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
    await expect(service.get(outsider, chatId)).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
    await expect(service.rename(owner, chatId, ' ')).rejects.toMatchObject({ kind: 'validation' });
    expect(events.sent).toEqual([]);
  });

  it('lets only the owner change roles, never the owner’s own', async () => {
    const chatId = await group();
    await expect(service.setRole(admin, chatId, member, 'admin')).rejects.toMatchObject({ kind: 'forbidden', code: 'not_owner' });
    await expect(service.setRole(owner, chatId, owner, 'member')).rejects.toMatchObject({ kind: 'validation', code: 'owner_role' });
    await expect(service.setRole(owner, chatId, outsider, 'admin')).rejects.toMatchObject({ kind: 'not_found', code: 'member_not_found' });
    await service.setRole(owner, chatId, admin, 'member');
    await service.setRole(owner, chatId, member, 'admin');
    expect(await roles(chatId)).toEqual({ [owner]: 'owner', [admin]: 'member', [member]: 'admin' });
  });

  it('adds only newcomers, within the limit, and tells the chat to them alone', async () => {
    const chatId = await group();
    people.add(stranger);
    await expect(service.addMembers(admin, chatId, [member, other, outsider, stranger])).rejects.toMatchObject({ code: 'too_many_members' });
    await service.addMembers(admin, chatId, [member, other, other]);
    expect(events.ofType('member.added').map((e) => [e.event.members.map((m) => m.userId), e.recipients])).toEqual([[[other], [owner, admin, member, other]]]);
    expect(events.ofType('chat.created').map((e) => e.recipients)).toEqual([[other]]);
    await service.addMembers(owner, chatId, [member, other]);
    expect(events.sent).toHaveLength(2);
  });

  it('lets the owner alone delete the group, and tells every member', async () => {
    const chatId = await group();
    await expect(service.delete(admin, chatId)).rejects.toMatchObject({ kind: 'forbidden', code: 'not_owner' });
    await service.delete(owner, chatId);
    expect(chats.exists(chatId)).toBe(false);
    expect(events.ofType('chat.deleted').map((e) => e.recipients)).toEqual([[owner, admin, member]]);
  });
});

describe('listing', () => {
  it('keeps the chats someone else is in too, among mine only', async () => {
    const team = await group();
    const { chat: withOther } = await service.createDirect(owner, other);
    await service.createDirect(member, other);
    const ids = async (userId: number, withMember?: number) => (await service.list(userId, { withMember, limit: 50 })).map((c) => c.id);
    expect(await ids(owner, member)).toEqual([team]);
    expect(await ids(owner, other)).toEqual([withOther.id]);
    expect(await ids(owner, outsider)).toEqual([]);
    expect(await ids(owner, owner)).toEqual(await ids(owner));
  });

  it('gives every member id to members, and nothing to anyone else', async () => {
    const chatId = await group();
    expect((await service.memberIds(member, chatId)).sort()).toEqual([owner, admin, member].sort());
    await expect(service.memberIds(outsider, chatId)).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
  });
});

describe('removing and leaving', () => {
  it('lets anyone but the owner leave, and tells those who were there', async () => {
    const chatId = await group();
    await service.removeMember(member, chatId, member);
    await service.removeMember(admin, chatId, admin);
    await expect(service.removeMember(owner, chatId, owner)).rejects.toMatchObject({ kind: 'forbidden', code: 'owner_must_transfer' });
    expect(events.ofType('member.removed').map((e) => [e.event.userId, e.recipients])).toEqual([
      [member, [owner, admin, member]],
      [admin, [owner, admin]],
    ]);
  });

  it('lets admins remove members but not other admins or the owner; the owner removes anyone', async () => {
    const chatId = await group();
    await service.addMembers(owner, chatId, [other, outsider]);
    await service.setRole(owner, chatId, other, 'admin');
    await expect(service.removeMember(member, chatId, outsider)).rejects.toMatchObject({ kind: 'forbidden', code: 'not_admin' });
    await expect(service.removeMember(admin, chatId, other)).rejects.toMatchObject({ kind: 'forbidden', code: 'not_allowed' });
    await expect(service.removeMember(admin, chatId, owner)).rejects.toMatchObject({ kind: 'forbidden', code: 'not_allowed' });
    await service.removeMember(admin, chatId, outsider);
    await service.removeMember(owner, chatId, other);
    expect(await roles(chatId)).toEqual({ [owner]: 'owner', [admin]: 'admin', [member]: 'member' });
  });

  it('answers 404 for someone not in the chat, whoever asks', async () => {
    const chatId = await group();
    await expect(service.removeMember(owner, chatId, other)).rejects.toMatchObject({ kind: 'not_found', code: 'member_not_found' });
    await expect(service.removeMember(other, chatId, member)).rejects.toMatchObject({ kind: 'not_found', code: 'chat_not_found' });
  });
});

describe('handing over ownership', () => {
  it('makes the new owner owner and the old one an admin', async () => {
    const chatId = await group();
    await expect(service.transferOwnership(admin, chatId, admin)).rejects.toMatchObject({ kind: 'forbidden', code: 'not_owner' });
    await expect(service.transferOwnership(owner, chatId, other)).rejects.toMatchObject({ kind: 'validation', code: 'not_a_member' });
    await service.transferOwnership(owner, chatId, member);
    expect(await roles(chatId)).toEqual({ [owner]: 'admin', [admin]: 'admin', [member]: 'owner' });
    expect(events.ofType('chat.updated')).toHaveLength(1);
    await expect(service.removeMember(owner, chatId, owner)).resolves.toBeUndefined();
  });

  it('to oneself changes nothing and tells nobody', async () => {
    const chatId = await group();
    await service.transferOwnership(owner, chatId, owner);
    expect(await roles(chatId)).toMatchObject({ [owner]: 'owner' });
    expect(events.sent).toEqual([]);
  });
});

describe('an owner deleting their account', () => {
  it('passes each group to its longest-standing admin before any earlier member', async () => {
    const { id: chatId } = await service.createGroup(owner, 'Team', [member]);
    await service.addMembers(owner, chatId, [other]);
    await service.addMembers(owner, chatId, [admin]);
    await service.setRole(owner, chatId, admin, 'admin');
    await service.setRole(owner, chatId, other, 'admin');
    events.sent.length = 0;
    await service.removeAccount(owner);
    expect(await service.get(member, chatId).then((c) => Object.fromEntries(c.members.map((m) => [m.userId, m.role])))).toEqual({
      [member]: 'member',
      [admin]: 'admin',
      [other]: 'owner',
    });
    expect(events.ofType('member.removed').map((e) => e.recipients)).toEqual([[admin, member, other]]);
    expect(events.ofType('chat.updated').map((e) => e.recipients)).toEqual([[admin, member, other]]);
  });

  it('passes a group with no admin to its longest-standing member', async () => {
    const { id: chatId } = await service.createGroup(owner, 'Team', [member]);
    await service.addMembers(owner, chatId, [other]);
    await service.removeAccount(owner);
    expect((await service.get(member, chatId)).role).toBe('owner');
  });

  it('deletes a group it leaves empty, quietly, and leaves direct chats', async () => {
    const { id: alone } = await service.createGroup(owner, 'Solo', []);
    const { chat: direct } = await service.createDirect(owner, member);
    events.sent.length = 0;
    await service.removeAccount(owner);
    expect(chats.exists(alone)).toBe(false);
    expect(await chats.memberIds(direct.id)).toEqual([member]);
    expect(events.sent.map((e) => [e.event.type, e.recipients])).toEqual([['member.removed', [member]]]);
  });
});
