import { uniqueViolation } from '../../store/errors.js';
import type { FriendStatus, SocialRepository } from '../../store/social-repository.js';
import type { DirectoryCursor, UserDirectory } from '../../store/user-directory.js';
import type { GroupAdds } from '../../store/users-repository.js';
import { usernameKey, usernameProblem } from '../auth/account-rules.js';
import { describe, taken, type AccountService } from '../auth/account-service.js';
import type { AuthContext } from '../auth/context.js';
import type { CredentialEviction } from '../auth/credential-eviction.js';
import { confirmPassword } from '../auth/password-confirmation.js';
import { notFound, validationError, type FieldError } from '../errors.js';
import type { SocialEventSink } from '../social/ports.js';
import type { VisiblePresence } from '../social/visible-presence.js';
import type { PublicUser, User } from './user.js';

export interface ProfileEdit {
  username?: string;
  firstName?: string;
  lastName?: string;
  bio?: string;
  email?: string;
  /** Needed to change the e-mail address, so that a borrowed session cannot take the account. */
  currentPassword?: string;
  /** Who may add me to a group. */
  groupAdds?: GroupAdds;
}

/** My own account as I see it. */
export interface MyAccount {
  user: User;
  online: boolean;
}

/** What leaving takes with it beyond the account's own rows (avatars, chat memberships, files never sent). */
export interface AccountLeaving {
  removeAvatar(userId: number): Promise<void>;
  /** Uploads not in any message: nobody else can see them, so they go with their owner. */
  removeUnsentUploads(userId: number): Promise<void>;
  leaveChats(userId: number): Promise<void>;
  /** The image files of the user's posts (the posts' rows go with the account). */
  removePostImages(userId: number): Promise<void>;
}

export interface ProfileServiceDeps {
  ctx: AuthContext;
  accounts: AccountService;
  credentials: CredentialEviction;
  directory: Pick<UserDirectory, 'byIds' | 'byUsernameKey' | 'search' | 'everyone'>;
  social: Pick<SocialRepository, 'friendIds' | 'status' | 'statuses'>;
  presence: VisiblePresence;
  events: SocialEventSink;
  leaving: AccountLeaving;
}

export const BIO_MAX = 500;

/** My profile, other people's, and finding people. */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  async me(userId: number): Promise<MyAccount> {
    const user = await this.deps.accounts.me(userId);
    const online = await this.deps.presence.onlineAsSeenBy([userId], [userId]);
    return { user, online: online.has(userId) };
  }

  async update(userId: number, edit: ProfileEdit): Promise<MyAccount> {
    const { users, clock } = this.deps.ctx;
    const user = await this.deps.accounts.me(userId);
    const problems: FieldError[] = [];
    let username: { display: string; key: string } | undefined;
    if (edit.username !== undefined && edit.username !== user.username) {
      const problem = usernameProblem(edit.username);
      if (problem) problems.push({ field: 'username', message: problem.message });
      else username = { display: edit.username, key: usernameKey(edit.username) };
    }
    const bio = edit.bio?.trim();
    if (bio !== undefined && [...bio].length > BIO_MAX) problems.push({ field: 'bio', message: `must be at most ${BIO_MAX} characters` });
    if (edit.email !== undefined && edit.currentPassword === undefined && user.hasPassword) {
      problems.push({ field: 'currentPassword', message: 'is required to change the e-mail address' });
    }
    if (problems.length > 0) throw validationError('validation_failed', describe(problems), problems);

    if (edit.email !== undefined && user.hasPassword) await confirmPassword(this.deps.ctx, userId, edit.currentPassword, 'currentPassword');
    // Another account's username (its own in another case is fine); the unique index settles races.
    if (username && username.key !== usernameKey(user.username) && (await users.usernameKeyTaken(username.key))) throw taken('username');
    try {
      await users.updateProfile(
        userId,
        { username, firstName: edit.firstName?.trim(), lastName: edit.lastName?.trim(), bio, groupAdds: edit.groupAdds },
        clock.now(),
      );
    } catch (error) {
      if (uniqueViolation(error)) throw taken('username');
      throw error;
    }
    if (edit.email !== undefined) await this.deps.accounts.requestEmailChange(await this.deps.accounts.me(userId), edit.email);
    return this.me(userId);
  }

  /**
   * Deletes the account after checking the password: every session and token ends at once (their
   * sockets close), the avatar and the files never sent go, friendships end, chats see the member
   * leave; messages stay, from a deleted user, with their files. The username and address are free again.
   */
  async delete(userId: number, password: string | undefined): Promise<void> {
    const user = await this.deps.accounts.me(userId);
    if (user.hasPassword) await confirmPassword(this.deps.ctx, userId, password, 'password');
    await this.deps.credentials.evictCredentials(userId);
    const friends = await this.deps.social.friendIds(userId);
    await this.deps.leaving.leaveChats(userId);
    await this.deps.leaving.removeAvatar(userId);
    await this.deps.leaving.removeUnsentUploads(userId);
    await this.deps.leaving.removePostImages(userId);
    await this.deps.ctx.users.delete(userId);
    for (const friendId of friends) await this.deps.events.notify(friendId, { type: 'friend.removed', userId });
  }

  async profile(viewerId: number, userId: number): Promise<{ person: PublicUser; online: boolean; friendship: FriendStatus }> {
    const person = (await this.deps.directory.byIds([userId])).get(userId);
    if (!person) throw notFound('user_not_found', 'No such user');
    const [[seen], friendship] = await Promise.all([
      this.deps.presence.seenBy(viewerId, [person]),
      viewerId === userId ? Promise.resolve<FriendStatus>('none') : this.deps.social.status(viewerId, userId),
    ]);
    return { ...seen!, friendship };
  }

  /** Everyone `viewerId` may see, by username, up to `limit` (the older clients list them all). */
  everyone(viewerId: number, limit: number): Promise<PublicUser[]> {
    return this.deps.directory.everyone(viewerId, limit);
  }

  /** The person with this username (any case); undefined when there is none. */
  byUsername(username: string): Promise<PublicUser | undefined> {
    return this.deps.directory.byUsernameKey(usernameKey(username.trim()));
  }

  /** People by id, as anyone signed in may see them; ids with no account are left out. */
  async byIds(ids: number[]): Promise<Map<number, PublicUser>> {
    return this.deps.directory.byIds(ids);
  }

  async search(viewerId: number, query: string, page: { after?: DirectoryCursor; limit: number }) {
    const { people } = await this.deps.directory.search(viewerId, query, page);
    const [seen, statuses] = await Promise.all([this.deps.presence.seenBy(viewerId, people), this.deps.social.statuses(viewerId, people.map((p) => p.id))]);
    return seen.map(({ person, online }) => ({ person, online, friendship: statuses.get(person.id) ?? 'none' }));
  }
}
