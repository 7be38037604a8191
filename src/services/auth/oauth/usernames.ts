import { USERNAME_MAX, usernameProblem } from '../account-rules.js';
import { randomDigits } from '../secrets.js';

/** How many numbered names (`ada_2` … `ada_9`) are tried before random ones. */
const NUMBERED = 8;

/** A provider login as a username of ours: the characters we allow, at most USERNAME_MAX. */
function baseName(login: string): string {
  const local = login.split('@')[0] ?? '';
  const ascii = local.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const cleaned = ascii.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[_.-]+|[_.-]+$/g, '');
  return (cleaned || 'user').slice(0, USERNAME_MAX);
}

const withSuffix = (base: string, suffix: string) => `${base.slice(0, USERNAME_MAX - suffix.length)}${suffix}`;

/**
 * The usernames a new account from a provider login tries, in order: the login itself, then
 * numbered, then random variants; each one valid and not reserved (taken or not is for the caller).
 */
export function usernameCandidates(login: string): string[] {
  const base = baseName(login);
  const numbered = Array.from({ length: NUMBERED }, (_, i) => withSuffix(base, `_${i + 2}`));
  const random = Array.from({ length: 3 }, () => withSuffix(base, `_${randomDigits(6)}`));
  return [base, ...numbered, ...random].filter((name) => usernameProblem(name) === undefined);
}
