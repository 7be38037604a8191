import { beforeEach, describe, expect, it } from 'vitest';
import { SocialService } from '../../../../src/services/social/social-service.js';
import { VisiblePresence } from '../../../../src/services/social/visible-presence.js';
import { FakeClock } from '../../fakes/clock.js';
import { RecordedSocialEvents } from '../../fakes/events.js';
import { FakePeople } from '../../fakes/people.js';
import { FakePresence } from '../../fakes/presence.js';
import { FakeSocialGraph } from '../../fakes/social-graph.js';

const [ann, bob, cat] = [1, 2, 3];

let people: FakePeople;
let presence: FakePresence;
let events: RecordedSocialEvents;

function socialService(options: { autoAccept: boolean }): SocialService {
  const graph = new FakeSocialGraph(people);
  return new SocialService({
    social: graph,
    directory: people,
    presence: new VisiblePresence({ presence, social: graph }),
    events,
    clock: new FakeClock(),
    autoAccept: options.autoAccept,
  });
}

/** What each person heard, in order, as `type` and whom it was about. */
const heard = () =>
  events.sent.map(({ userId, event }) => {
    const about = 'userId' in event ? event.userId : event.user.id;
    return [userId, event.type === 'friend.request' ? `request.${event.direction}` : event.type, about];
  });

beforeEach(() => {
  people = new FakePeople();
  for (const id of [ann, bob, cat]) people.add(id);
  presence = new FakePresence();
  events = new RecordedSocialEvents();
});

describe('friend requests', () => {
  let social: SocialService;
  beforeEach(() => {
    social = socialService({ autoAccept: false });
  });

  it('asking makes a pending request each side sees from its end, and tells both', async () => {
    presence.online.add(bob);
    await expect(social.befriend(ann, bob)).resolves.toEqual({ status: 'outgoing' });
    expect([await social.status(ann, bob), await social.status(bob, ann)]).toEqual(['outgoing', 'incoming']);
    expect(events.sent).toEqual([
      { userId: ann, event: { type: 'friend.request', direction: 'outgoing', user: people.person(bob), online: true } },
      { userId: bob, event: { type: 'friend.request', direction: 'incoming', user: people.person(ann), online: false } },
    ]);
  });

  it('asking again changes nothing and tells nobody', async () => {
    await social.befriend(ann, bob);
    events.sent.length = 0;
    await expect(social.befriend(ann, bob)).resolves.toEqual({ status: 'outgoing' });
    expect(events.sent).toEqual([]);
  });

  it('asking back accepts, and both hear of the new friend', async () => {
    await social.befriend(ann, bob);
    events.sent.length = 0;
    await expect(social.befriend(bob, ann)).resolves.toEqual({ status: 'friends' });
    expect([await social.status(ann, bob), await social.status(bob, ann)]).toEqual(['friends', 'friends']);
    expect(heard()).toEqual([[bob, 'friend.added', ann], [ann, 'friend.added', bob]]);
    events.sent.length = 0;
    await expect(social.befriend(ann, bob)).resolves.toEqual({ status: 'friends' });
    expect(events.sent).toEqual([]);
  });

  it('the asker cancels, the asked declines, and either ends a friendship; both hear each time', async () => {
    await social.befriend(ann, bob);
    await social.unfriend(ann, bob);
    expect(await social.status(ann, bob)).toBe('none');
    await social.befriend(ann, bob);
    await social.unfriend(bob, ann);
    expect(await social.status(ann, bob)).toBe('none');
    await social.befriend(ann, bob);
    await social.befriend(bob, ann);
    events.sent.length = 0;
    await social.unfriend(bob, ann);
    expect(await social.status(ann, bob)).toBe('none');
    expect(heard()).toEqual([[bob, 'friend.removed', ann], [ann, 'friend.removed', bob]]);
  });

  it('answers 404 when there is nothing to end', async () => {
    await expect(social.unfriend(ann, bob)).rejects.toMatchObject({ kind: 'not_found', code: 'not_friends' });
    expect(events.sent).toEqual([]);
  });

  it('refuses oneself and people who do not exist', async () => {
    await expect(social.befriend(ann, ann)).rejects.toMatchObject({ kind: 'validation', code: 'self' });
    await expect(social.befriend(ann, 99)).rejects.toMatchObject({ kind: 'not_found', code: 'user_not_found' });
    await expect(social.status(99, ann)).rejects.toMatchObject({ kind: 'not_found', code: 'user_not_found' });
  });
});

describe('with FRIENDS_AUTO_ACCEPT', () => {
  it('asking befriends at once, and both hear of the new friend', async () => {
    const social = socialService({ autoAccept: true });
    await expect(social.befriend(ann, bob)).resolves.toEqual({ status: 'friends' });
    expect(await social.status(bob, ann)).toBe('friends');
    expect(heard()).toEqual([[ann, 'friend.added', bob], [bob, 'friend.added', ann]]);
  });

  it('still refuses across a block', async () => {
    const social = socialService({ autoAccept: true });
    await social.block(bob, ann);
    await expect(social.befriend(ann, bob)).rejects.toMatchObject({ kind: 'forbidden', code: 'blocked' });
  });
});

describe('blocks', () => {
  let social: SocialService;
  beforeEach(() => {
    social = socialService({ autoAccept: false });
  });

  it('end a friendship, and both hear it ended; only the blocker hears of the block', async () => {
    await social.befriend(ann, bob);
    await social.befriend(bob, ann);
    events.sent.length = 0;
    await social.block(bob, ann);
    expect([await social.status(ann, bob), await social.status(bob, ann)]).toEqual(['blocked', 'blocked']);
    expect(heard()).toEqual([[bob, 'friend.removed', ann], [ann, 'friend.removed', bob], [bob, 'block.added', ann]]);
  });

  it('end a pending request either way, and both hear it ended', async () => {
    await social.befriend(ann, bob);
    events.sent.length = 0;
    await social.block(ann, bob);
    expect(heard()).toEqual([[ann, 'friend.removed', bob], [bob, 'friend.removed', ann], [ann, 'block.added', bob]]);
    await social.unblock(ann, bob);
    expect(await social.status(bob, ann)).toBe('none');
    expect(heard().at(-1)).toEqual([ann, 'block.removed', bob]);
  });

  it('between strangers tell only the blocker’s own devices', async () => {
    await social.block(ann, cat);
    expect(heard()).toEqual([[ann, 'block.added', cat]]);
  });

  it('refuse requests both ways until lifted, and lifting does not bring the friendship back', async () => {
    await social.befriend(ann, bob);
    await social.befriend(bob, ann);
    await social.block(ann, bob);
    await expect(social.befriend(ann, bob)).rejects.toMatchObject({ kind: 'forbidden', code: 'blocked' });
    await expect(social.befriend(bob, ann)).rejects.toMatchObject({ kind: 'forbidden', code: 'blocked' });
    await social.unblock(ann, bob);
    expect(await social.status(ann, bob)).toBe('none');
    await expect(social.befriend(bob, ann)).resolves.toEqual({ status: 'outgoing' });
  });

  it('hold while either side still blocks', async () => {
    await social.block(ann, bob);
    await social.block(bob, ann);
    await social.unblock(ann, bob);
    expect(await social.status(ann, bob)).toBe('blocked');
    await expect(social.befriend(ann, bob)).rejects.toMatchObject({ code: 'blocked' });
  });

  it('are made once and lifted only by the blocker', async () => {
    await social.block(ann, bob);
    await expect(social.block(ann, bob)).rejects.toMatchObject({ kind: 'conflict', code: 'already_blocked' });
    await expect(social.unblock(bob, ann)).rejects.toMatchObject({ kind: 'not_found', code: 'not_blocked' });
    await social.unblock(ann, bob);
    await expect(social.unblock(ann, bob)).rejects.toMatchObject({ kind: 'not_found', code: 'not_blocked' });
  });

  it('refuse oneself', async () => {
    await expect(social.block(ann, ann)).rejects.toMatchObject({ kind: 'validation', code: 'self' });
  });
});
