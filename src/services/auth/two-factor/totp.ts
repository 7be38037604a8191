import { Secret, TOTP } from 'otpauth';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** Codes of one step either side of now are accepted: a phone clock 30 s off still works. */
const DRIFT_STEPS = 1;

/** RFC 6238 codes as authenticator apps make them: SHA-1, 6 digits, 30-second steps. */
export const authenticator = {
  /** A new 160-bit secret, base32 as the apps take it. */
  newSecret: (): string => new Secret({ size: 20 }).base32,

  /** The otpauth:// URL an app scans: the issuer and the account name label the entry. */
  url: (secret: string, issuer: string, account: string): string =>
    new TOTP({ issuer, label: account, secret: Secret.fromBase32(secret), digits: DIGITS, period: PERIOD_SECONDS, algorithm: 'SHA1' }).toString(),

  /** The time step whose code `code` is, within the drift allowed around `now`; undefined when it is no such code. */
  stepOf(secret: string, code: string, now: number): number | undefined {
    if (!/^[0-9]{6}$/.test(code)) return undefined;
    const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secret), digits: DIGITS, period: PERIOD_SECONDS, timestamp: now, window: DRIFT_STEPS });
    return delta === null ? undefined : TOTP.counter({ period: PERIOD_SECONDS, timestamp: now }) + delta;
  },
};
