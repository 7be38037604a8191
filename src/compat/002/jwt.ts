import { SimpleJwt } from '../django/simple-jwt.js';

/** The most times a token is signed again for a clean encoding before giving up (it never takes a second try). */
const ATTEMPTS = 16;

/**
 * 002's clients decode both JWTs themselves with `atob`, which reads plain base64 only: the header
 * and payload segments must not hold the base64url characters `-` and `_`. For ASCII JSON these
 * can only come from `>`, `?`, `~` or DEL at every third byte, which our claims (digits, hex, the
 * base64url refresh secret, plain names) never hold; each token is still checked and signed again
 * with a new `jti` in case, so a change to the claims cannot break those clients silently.
 */
export class PlainBase64Jwt extends SimpleJwt {
  override access(userId: number, sessionId: number): string {
    return clean(() => super.access(userId, sessionId));
  }

  override refresh(userId: number, sessionId: number, refreshSecret: string): string {
    return clean(() => super.refresh(userId, sessionId, refreshSecret));
  }
}

/** Whether `atob` reads the token's header and payload as they are. */
export const decodesWithAtob = (token: string): boolean => !/[-_]/.test(token.split('.').slice(0, 2).join('.'));

function clean(sign: () => string): string {
  for (let i = 0; i < ATTEMPTS; i++) {
    const token = sign();
    if (decodesWithAtob(token)) return token;
  }
  throw new Error('could not sign a JWT whose header and payload are plain base64');
}
