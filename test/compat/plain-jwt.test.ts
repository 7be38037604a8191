import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodesWithAtob, PlainBase64Jwt } from '../../src/compat/002/jwt.js';
import { SimpleJwt } from '../../src/compat/django/simple-jwt.js';

const key = randomBytes(32);
const lifetimes = { accessSeconds: 300, refreshSeconds: 30 * 86_400 };
/** `atob`'s reading: plain base64 only (padding optional), else it throws. */
const atob = (segment: string) => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(segment) || segment.length % 4 === 1) throw new Error(`atob cannot read ${segment}`);
  return Buffer.from(segment, 'base64').toString('binary');
};

describe("002's JWTs, decoded by clients with atob", () => {
  it('have a header and payload in plain base64 over many tokens, user ids and refresh secrets', () => {
    const jwt = new PlainBase64Jwt(key, lifetimes);
    for (let i = 0; i < 3000; i++) {
      const userId = randomInt(1, 2 ** 47);
      const sessionId = randomInt(1, 2 ** 47);
      for (const token of [jwt.access(userId, sessionId), jwt.refresh(userId, sessionId, randomBytes(32).toString('base64url'))]) {
        const [header, payload] = token.split('.') as [string, string];
        expect(JSON.parse(atob(header))).toEqual({ alg: 'HS256', typ: 'JWT' });
        const claims = JSON.parse(atob(payload)) as Record<string, unknown>;
        expect(claims).toMatchObject({ user_id: userId, sid: sessionId, exp: expect.any(Number), iat: expect.any(Number), jti: expect.stringMatching(/^[0-9a-f]{32}$/) });
        expect(Number.isInteger(claims.user_id)).toBe(true);
      }
    }
  });

  it('are still read as SimpleJWT tokens; and the check tells a base64url-only segment apart', () => {
    const jwt = new PlainBase64Jwt(key, lifetimes);
    const access = jwt.access(5, 9);
    expect(jwt.readAccess(access)).toEqual({ userId: 5, sessionId: 9 });
    expect(new SimpleJwt(key, lifetimes).readAccess(access)).toEqual({ userId: 5, sessionId: 9 });
    expect(jwt.readRefresh(jwt.refresh(5, 9, 'secret'))).toEqual({ userId: 5, sessionId: 9, refreshSecret: 'secret' });
    expect(decodesWithAtob('eyJhbGciOiJIUzI1NiJ9.eyJ4Ijo-fQ.sig-with_url')).toBe(false);
    expect(decodesWithAtob('eyJhbGciOiJIUzI1NiJ9.eyJ4IjoxfQ.sig-with_url')).toBe(true);
  });
});
