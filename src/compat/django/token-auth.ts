import { createHmac, timingSafeEqual } from 'node:crypto';

const ID_DIGITS = 10;

/**
 * DRF's `Authorization: Token <40 hex digits>` credential, as one of our sessions: the session id
 * and a MAC of it under a server key. Nothing is stored, and it ends with its session (logout).
 */
export class SessionTokens {
  constructor(private readonly key: Buffer) {}

  issue(sessionId: number): string {
    const id = sessionId.toString(16).padStart(ID_DIGITS, '0');
    return id + this.mac(id);
  }

  /** The session a well-formed, genuine token names; undefined otherwise. */
  read(token: string): number | undefined {
    if (!/^[0-9a-f]{40}$/.test(token)) return undefined;
    const id = token.slice(0, ID_DIGITS);
    if (!timingSafeEqual(Buffer.from(token.slice(ID_DIGITS)), Buffer.from(this.mac(id)))) return undefined;
    return parseInt(id, 16);
  }

  private mac(id: string): string {
    return createHmac('sha256', this.key).update(`token:${id}`).digest('hex').slice(0, 40 - ID_DIGITS);
  }
}
