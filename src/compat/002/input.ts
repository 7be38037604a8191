import { validationError, type FieldError } from '../../services/errors.js';

/**
 * 002's own rules for what its signup (and a new password) takes, checked on top of ours: a
 * username of 1 to 20 characters, an address of up to 50, a password of 8 to 50 with an upper-case
 * letter, a digit and a special character. Ours still apply after (a username has 3 characters at
 * least, of letters, digits, `.`, `_` and `-`).
 */
export function usernameProblems(username: string): FieldError[] {
  return username.length < 1 || username.length > 20 ? [{ field: 'username', message: 'Username must be between 1 and 20 characters long' }] : [];
}

export function emailProblems(email: string): FieldError[] {
  return email.length < 1 || email.length > 50 ? [{ field: 'email', message: 'Email must be between 1 and 50 characters long' }] : [];
}

export function passwordProblems(password: string, field = 'password'): FieldError[] {
  const problems: string[] = [];
  if (password.length < 8 || password.length > 50) problems.push('Password must be between 8 and 50 characters long');
  if (!/[A-Z]/.test(password)) problems.push('Password must contain at least one uppercase letter');
  if (!/[0-9]/.test(password)) problems.push('Password must contain at least one digit');
  if (!/[^A-Za-z0-9]/.test(password)) problems.push('Password must contain at least one special character');
  return problems.map((message) => ({ field, message }));
}

/** Throws every problem found at once, as the document's list of errors. */
export function refuse(problems: FieldError[]): void {
  if (problems.length > 0) throw validationError('validation_failed', problems.map((p) => p.message).join('; '), problems);
}

/** `alevra@student.42lyon.fr` → `**********ra@student.42lyon.fr`: the last two characters of the name are shown. */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '*'.repeat(email.length);
  const name = email.slice(0, at);
  const shown = name.length > 2 ? name.slice(-2) : '';
  return `${'*'.repeat(name.length - shown.length)}${shown}${email.slice(at)}`;
}
