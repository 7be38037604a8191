import { describe, expect, it } from 'vitest';
import { initialsOf } from '../../src/services/avatar-keys.js';

// What the generated avatar shows: checked for plain ASCII names (a fast path) and for the rest.
describe('initials on the generated avatar', () => {
  it.each([
    [{ firstName: 'Ann', lastName: 'Lee', username: 'x' }, 'AL'],
    [{ firstName: 'ann', lastName: '', username: 'x' }, 'A'],
    [{ firstName: '  42 ann', lastName: '-lee', username: 'x' }, 'AL'],
    [{ firstName: '', lastName: '', username: 'ann_b.lee' }, 'AL'],
    [{ firstName: '', lastName: '', username: 'ann' }, 'A'],
    [{ firstName: '', lastName: '', username: '1234' }, ''],
    [{ firstName: 'élodie', lastName: 'Ørsted', username: 'x' }, 'ÉØ'],
    [{ firstName: 'Ｆｕｌｌ', lastName: 'width', username: 'x' }, 'FW'],
    [{ firstName: 'ßen', lastName: 'жанна', username: 'x' }, 'ßЖ'],
    [{ firstName: 'e\u0301mile', lastName: '', username: 'x' }, 'É'],
  ])('%j → %s', (person, initials) => {
    expect(initialsOf(person).normalize('NFC')).toBe(initials);
  });
});
