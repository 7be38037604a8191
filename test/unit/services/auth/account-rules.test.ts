import { describe, expect, it } from 'vitest';
import {
  isReservedUsername,
  normalizeEmail,
  passwordProblems,
  PASSWORD_MAX,
  PASSWORD_MIN,
  USERNAME_MAX,
  USERNAME_MIN,
  usernameKey,
  usernameProblem,
} from '../../../../src/services/auth/account-rules.js';

const lenient = { requireMixed: false };
const mixed = { requireMixed: true };
const messages = (password: string, username?: string, policy = lenient) => passwordProblems(password, username, policy).map((p) => p.message);

describe('usernameProblem', () => {
  it.each(['bob', 'Alice_99', 'a.b-c', 'x'.repeat(USERNAME_MAX), '___'])('accepts %s', (name) => {
    expect(usernameProblem(name)).toBeUndefined();
  });

  it('refuses names shorter than the minimum and longer than the maximum', () => {
    expect(usernameProblem('x'.repeat(USERNAME_MIN - 1))).toEqual({ kind: 'invalid', message: `must be at least ${USERNAME_MIN} characters` });
    expect(usernameProblem('x'.repeat(USERNAME_MAX + 1))).toEqual({ kind: 'invalid', message: `must be at most ${USERNAME_MAX} characters` });
  });

  it.each(['bob smith', 'bob@home', 'jürgen', 'bob/../x', 'emoji😀', 'tab\tname', 'line\nbreak'])('refuses characters outside letters, digits, _ . - in %j', (name) => {
    expect(usernameProblem(name)).toEqual({ kind: 'invalid', message: 'may contain only letters, digits, _ . and -' });
  });

  it('refuses reserved names whatever their case, and says they are reserved rather than invalid', () => {
    for (const name of ['admin', 'ADMIN', 'Root', 'api', 'no-reply', 'Deleted-User']) {
      expect(usernameProblem(name)?.kind, name).toBe('reserved');
    }
  });

  it('checks length and characters before reservation', () => {
    expect(usernameProblem('me')?.kind).toBe('invalid');
  });

  it('does not reserve names that merely contain a reserved word', () => {
    expect(isReservedUsername('admin2')).toBe(false);
    expect(isReservedUsername('the-root')).toBe(false);
  });
});

describe('normalisation', () => {
  it('compares usernames without regard to case', () => {
    expect(usernameKey('Alice_99')).toBe(usernameKey('aLICE_99'));
    expect(usernameKey('Alice_99')).toBe('alice_99');
  });

  it('trims and lower-cases e-mail addresses', () => {
    expect(normalizeEmail('  Bob@Example.COM \n')).toBe('bob@example.com');
  });
});

describe('passwordProblems', () => {
  it('accepts a long uncommon password under the lenient policy', () => {
    expect(passwordProblems('quiet-lantern-river', 'bob', lenient)).toEqual([]);
  });

  it('counts characters, not UTF-16 units, against the minimum and maximum', () => {
    // Seven emoji are fourteen UTF-16 units but seven characters: too short.
    expect(messages('😀'.repeat(PASSWORD_MIN - 1))).toContain(`must be at least ${PASSWORD_MIN} characters`);
    expect(messages('😀'.repeat(PASSWORD_MIN))).toEqual([]);
    expect(messages('😀'.repeat(PASSWORD_MAX))).toEqual([]);
    expect(messages('😀'.repeat(PASSWORD_MAX + 1))).toEqual([`must be at most ${PASSWORD_MAX} characters`]);
  });

  it('refuses a password containing the username, whatever the case', () => {
    expect(messages('my-BobCat-secret', 'bobcat')).toEqual(['must not contain the username']);
    expect(messages('my-bobcat-secret', 'BobCat')).toEqual(['must not contain the username']);
  });

  it('does not check for a username when there is none', () => {
    expect(messages('my-bobcat-secret', undefined)).toEqual([]);
    expect(messages('my-bobcat-secret', '')).toEqual([]);
  });

  it('refuses passwords common in breaches, whatever the case', () => {
    expect(messages('password')).toEqual(['is too common']);
    expect(messages('PassWord')).toEqual(['is too common']);
    expect(messages('12345678')).toEqual(['is too common']);
  });

  it('reports every problem at once, on the field it is given', () => {
    expect(passwordProblems('qxz', 'qxz', mixed, 'newPassword')).toEqual([
      { field: 'newPassword', message: `must be at least ${PASSWORD_MIN} characters` },
      { field: 'newPassword', message: 'must not contain the username' },
      { field: 'newPassword', message: 'must contain an upper-case letter' },
      { field: 'newPassword', message: 'must contain a digit' },
      { field: 'newPassword', message: 'must contain a special character' },
    ]);
  });

  describe('with PASSWORD_REQUIRE_MIXED', () => {
    it('accepts upper case, a digit and a special character together', () => {
      expect(messages('Quiet-lantern-7', 'bob', mixed)).toEqual([]);
    });

    it('names each missing class', () => {
      expect(messages('quiet-lantern-7', undefined, mixed)).toEqual(['must contain an upper-case letter']);
      expect(messages('Quiet-lantern-x', undefined, mixed)).toEqual(['must contain a digit']);
      expect(messages('Quietlantern7', undefined, mixed)).toEqual(['must contain a special character']);
    });

    it('counts letters and digits of any script, and does not count spaces as special', () => {
      expect(messages('Ärger-über-٣', undefined, mixed)).toEqual([]);
      expect(messages('Quiet lantern 7', undefined, mixed)).toEqual(['must contain a special character']);
    });

    it('is not asked for under the lenient policy', () => {
      expect(messages('quietlanternriver')).toEqual([]);
    });
  });
});
