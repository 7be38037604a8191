import type { PersonRecord } from '../../store/user-directory.js';
import type { UserRecord } from '../../store/users-repository.js';

/**
 * An account as its owner sees it: e-mail, pending address, privacy settings, and whether it can
 * sign in with a password (`hasPassword`), never the password hash itself.
 */
export type User = UserRecord;

/** A user as anyone signed in may see them: no e-mail address, nothing private. */
export type PublicUser = PersonRecord;
