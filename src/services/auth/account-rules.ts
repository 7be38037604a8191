import { dictionary } from '@zxcvbn-ts/language-common';
import type { FieldError } from '../errors.js';

export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]+$';
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 30;
export const USERNAME_CHARACTERS_MESSAGE = 'may contain only letters, digits, _ . and -';
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const EMAIL_MAX = 254;

/** Names that would confuse people or collide with routes; compared without regard to case. */
const reservedUsernames = new Set([
  'admin', 'administrator', 'root', 'api', 'me', 'system', 'support', 'help', 'security', 'staff',
  'moderator', 'mod', 'owner', 'messenger', 'official', 'null', 'undefined', 'anonymous', 'deleted',
  'deleted-user', 'everyone', 'here', 'all', 'auth', 'login', 'logout', 'register', 'signup', 'signin',
  'oauth', 'users', 'user', 'chats', 'posts', 'friends', 'blocks', 'files', 'uploads', 'static',
  'dev', 'docs', 'health', 'ready', 'metrics', 'settings', 'www', 'mail', 'postmaster', 'hostmaster',
  'webmaster', 'abuse', 'noreply', 'no-reply',
]);

/** About 49,000 passwords seen most often in breaches (zxcvbn's list), lower-cased. */
const commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

export const usernameKey = (username: string) => username.toLowerCase();
export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const isReservedUsername = (username: string) => reservedUsernames.has(usernameKey(username));

const usernamePattern = new RegExp(USERNAME_PATTERN);

export interface UsernameProblem {
  kind: 'invalid' | 'reserved';
  message: string;
}

/** Why a username cannot be used, or undefined when it can (taken or not). */
export function usernameProblem(username: string): UsernameProblem | undefined {
  if (username.length < USERNAME_MIN) return { kind: 'invalid', message: `must be at least ${USERNAME_MIN} characters` };
  if (username.length > USERNAME_MAX) return { kind: 'invalid', message: `must be at most ${USERNAME_MAX} characters` };
  if (!usernamePattern.test(username)) return { kind: 'invalid', message: USERNAME_CHARACTERS_MESSAGE };
  if (isReservedUsername(username)) return { kind: 'reserved', message: 'is reserved' };
  return undefined;
}

export interface PasswordPolicy {
  requireMixed: boolean;
}

/** Every reason the password is refused, as field errors on `field`. */
export function passwordProblems(password: string, username: string | undefined, policy: PasswordPolicy, field = 'password'): FieldError[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN) problems.push(`must be at least ${PASSWORD_MIN} characters`);
  if (length > PASSWORD_MAX) problems.push(`must be at most ${PASSWORD_MAX} characters`);
  const lower = password.toLowerCase();
  if (username && lower.includes(username.toLowerCase())) problems.push('must not contain the username');
  if (commonPasswords.has(lower)) problems.push('is too common');
  if (policy.requireMixed) {
    if (!/\p{Lu}/u.test(password)) problems.push('must contain an upper-case letter');
    if (!/\p{Nd}/u.test(password)) problems.push('must contain a digit');
    if (!/[^\p{L}\p{Nd}\s]/u.test(password)) problems.push('must contain a special character');
  }
  return problems.map((message) => ({ field, message }));
}
