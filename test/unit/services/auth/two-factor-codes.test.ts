import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, normalizeRecoveryCode } from '../../../../src/services/auth/two-factor/recovery-codes.js';
import { authenticator } from '../../../../src/services/auth/two-factor/totp.js';
import { randomSecret, seal, unseal } from '../../../../src/services/auth/secrets.js';

// RFC 6238 appendix B's SHA-1 secret ("12345678901234567890") and its 8-digit vectors, cut to the 6 digits apps show.
const RFC_SECRET = Secret.fromLatin1('12345678901234567890').base32;

describe('authenticator codes (RFC 6238)', () => {
  it.each([
    [59_000, '287082', 1],
    [1_111_111_109_000, '081804', 37_037_036],
    [1_234_567_890_000, '005924', 41_152_263],
  ])('at %i ms the code is %s, of step %i', (at, code, step) => {
    expect(authenticator.stepOf(RFC_SECRET, code, at)).toBe(step);
  });

  it('accepts one step either side of now, not two', () => {
    const secret = authenticator.newSecret();
    const now = 1_700_000_015_000;
    const codeAt = (ms: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });
    const step = Math.floor(now / 30_000);
    expect(authenticator.stepOf(secret, codeAt(now - 30_000), now)).toBe(step - 1);
    expect(authenticator.stepOf(secret, codeAt(now + 30_000), now)).toBe(step + 1);
    expect(authenticator.stepOf(secret, codeAt(now - 60_000), now)).toBeUndefined();
    expect(authenticator.stepOf(secret, codeAt(now + 60_000), now)).toBeUndefined();
  });

  it.each(['', '12345', '1234567', 'abcdef', '12 345', '١٢٣٤٥٦'])('refuses %j without computing', (code) => {
    expect(authenticator.stepOf(authenticator.newSecret(), code, Date.now())).toBeUndefined();
  });

  it('makes 160-bit secrets and an otpauth URL apps read', () => {
    const secret = authenticator.newSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const url = new URL(authenticator.url(secret, 'Messenger', 'ann'));
    expect(url.href.startsWith('otpauth://totp/Messenger:ann?')).toBe(true);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ secret, issuer: 'Messenger', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});

describe('recovery codes', () => {
  it('are 10 distinct codes of an unambiguous alphabet', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/);
  });

  it('compare without regard to case, spaces and dashes', () => {
    expect(normalizeRecoveryCode(' K7M2P-x9qrt ')).toBe(normalizeRecoveryCode('k7m2px9qrt'));
  });
});

describe('sealed secrets', () => {
  it('open with their key only, and detect tampering', () => {
    const key = Buffer.alloc(32, 7);
    const sealed = seal(key, 'JBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(unseal(key, sealed)).toBe('JBSWY3DPEHPK3PXP');
    expect(() => unseal(Buffer.alloc(32, 8), sealed)).toThrow();
    const [iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => unseal(key, [iv, tag, flipped.toString('base64url')].join('.'))).toThrow();
    expect(seal(key, randomSecret())).not.toBe(seal(key, randomSecret()));
  });
});
