import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';

export interface SimpleJwtLifetimes {
  accessSeconds: number;
  refreshSeconds: number;
}

/** What a verified token names: its user and session; a refresh token also carries the session's refresh secret. */
export interface SimpleJwtClaims {
  userId: number;
  sessionId: number;
}

/**
 * JWTs shaped as djangorestframework-simplejwt makes them (HS256, `typ: JWT`; claims `token_type`,
 * `exp`, `iat`, `jti`, `user_id`), so that clients that decode them keep working. Each names one
 * of our sessions (`sid`) and is honoured only while that session is open; a refresh token also
 * carries the session's own refresh secret (`rt`), which is what is rotated or checked.
 */
export class SimpleJwt {
  private readonly signAccess: (payload: Record<string, unknown>) => string;
  private readonly signRefresh: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => Record<string, unknown>;

  constructor(key: Buffer, lifetimes: SimpleJwtLifetimes) {
    const header = { alg: 'HS256', typ: 'JWT' };
    this.signAccess = createSigner({ key, algorithm: 'HS256', expiresIn: lifetimes.accessSeconds * 1000, header });
    this.signRefresh = createSigner({ key, algorithm: 'HS256', expiresIn: lifetimes.refreshSeconds * 1000, header });
    this.verify = createVerifier({ key, algorithms: ['HS256'], requiredClaims: ['token_type', 'user_id', 'sid', 'exp'], cache: 10_000 });
  }

  access(userId: number, sessionId: number): string {
    return this.signAccess({ token_type: 'access', jti: jti(), user_id: userId, sid: sessionId });
  }

  refresh(userId: number, sessionId: number, refreshSecret: string): string {
    return this.signRefresh({ token_type: 'refresh', jti: jti(), user_id: userId, sid: sessionId, rt: refreshSecret });
  }

  /** The claims of a valid, unexpired access token; undefined for anything else. */
  readAccess(token: string): SimpleJwtClaims | undefined {
    const claims = this.claims(token, 'access');
    return claims && { userId: claims.user_id as number, sessionId: claims.sid as number };
  }

  /** The claims and refresh secret of a valid, unexpired refresh token; undefined for anything else. */
  readRefresh(token: string): (SimpleJwtClaims & { refreshSecret: string }) | undefined {
    const claims = this.claims(token, 'refresh');
    if (!claims || typeof claims.rt !== 'string') return undefined;
    return { userId: claims.user_id as number, sessionId: claims.sid as number, refreshSecret: claims.rt };
  }

  private claims(token: string, type: 'access' | 'refresh'): Record<string, unknown> | undefined {
    let claims: Record<string, unknown>;
    try {
      claims = this.verify(token);
    } catch {
      return undefined;
    }
    const ids = Number.isSafeInteger(claims.user_id) && Number.isSafeInteger(claims.sid);
    return claims.token_type === type && ids ? claims : undefined;
  }
}

/** SimpleJWT's token ids are 32 hex digits. */
const jti = () => randomBytes(16).toString('hex');
