import { randomUUID } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { unauthorized } from '../errors.js';

const ISSUER = 'messenger';
// RFC 9068's media type for access tokens: a token of another kind is refused even if signed.
const TYPE = 'at+jwt';

export interface AccessTokenClaims {
  userId: number;
  sessionId: number;
}

/**
 * Short-lived HS256 access tokens, verified synchronously with fast-jwt's cache of verified
 * tokens: token checks are the hot path of every request.
 */
export class AccessTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verifier: (token: string) => Record<string, unknown>;

  constructor(
    key: Buffer,
    readonly ttlSeconds: number,
  ) {
    this.sign = createSigner({ key, algorithm: 'HS256', expiresIn: ttlSeconds * 1000, iss: ISSUER, header: { alg: 'HS256', typ: TYPE } });
    this.verifier = createVerifier({
      key,
      algorithms: ['HS256'],
      allowedIss: ISSUER,
      checkTyp: TYPE,
      requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
      cache: 10_000,
      cacheTTL: ttlSeconds * 1000,
    });
  }

  issue(userId: number, sessionId: number): string {
    return this.sign({ sub: String(userId), sid: sessionId, jti: randomUUID() });
  }

  /** Throws unauthorized with `token_expired` or `invalid_token`. */
  verify(token: string): AccessTokenClaims {
    let claims: Record<string, unknown>;
    try {
      claims = this.verifier(token);
    } catch (error) {
      if (error instanceof TokenError && error.code === TokenError.codes.expired) {
        throw unauthorized('token_expired', 'The access token has expired; refresh it');
      }
      throw unauthorized('invalid_token', 'The access token is not valid');
    }
    const userId = Number(claims.sub);
    const sessionId = claims.sid;
    if (!Number.isSafeInteger(userId) || typeof sessionId !== 'number' || !Number.isSafeInteger(sessionId)) {
      throw unauthorized('invalid_token', 'The access token is not valid');
    }
    return { userId, sessionId };
  }
}
