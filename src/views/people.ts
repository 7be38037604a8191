import { Type, type Static } from 'typebox';
import type { SocialContact } from '../services/social/social-service.js';
import type { PublicUser } from '../services/users/user.js';
import { Avatar, avatarView } from './avatars.js';
import { Id, NullableTimestamp, Timestamp, iso, isoOrNull } from './scalars.js';

/** Where two users stand: `blocked` when either blocks the other. */
export const FriendshipStatus = Type.Union(
  [Type.Literal('none'), Type.Literal('friends'), Type.Literal('outgoing'), Type.Literal('incoming'), Type.Literal('blocked')],
  { description: 'none; friends; outgoing: I asked them; incoming: they asked me; blocked: either of us blocks the other' },
);

/** A user as anyone signed in may see them: never an e-mail address or anything private. */
export const Person = Type.Object({
  id: Id,
  username: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  bio: Type.String(),
  avatar: Avatar,
  isOnline: Type.Boolean({ description: 'True while any of their sockets is open, on any node' }),
  lastSeenAt: NullableTimestamp,
});
export type PersonView = Static<typeof Person>;

export const personView = (person: PublicUser, online: boolean): PersonView => ({
  id: person.id,
  username: person.username,
  firstName: person.firstName,
  lastName: person.lastName,
  bio: person.bio,
  avatar: avatarView(person),
  isOnline: online,
  lastSeenAt: isoOrNull(person.lastSeenAt),
});

export const PublicProfile = Type.Intersect([Person, Type.Object({ friendship: FriendshipStatus })]);

/** A friend, a pending request or a block, with when it began. */
export const Contact = Type.Intersect([Person, Type.Object({ since: Timestamp })]);

export const contactView = (person: SocialContact, online: boolean) => ({ ...personView(person, online), since: iso(person.since) });

/** Who may add me to a group; someone in a block with me never may. */
export const GroupAdds = Type.Union([Type.Literal('everyone'), Type.Literal('friends')], {
  description: 'Who may add me to a group: `everyone`, or only my `friends`. Someone I block or who blocks me never may (403 `blocked`); others are refused with 403 `group_add_not_allowed`',
});

/** My privacy settings, as part of my own profile. */
export const PrivacySettings = Type.Object({ groupAdds: GroupAdds });
