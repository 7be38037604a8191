import { conflict, DomainError, forbidden, notFound, unauthorized, validationError } from '../../errors.js';

/** The two-factor module's error codes, in one place (clients branch on `code`). */
export const twoFactorErrors = {
  alreadyEnabled: (method: string) => conflict('two_factor_already_enabled', `The ${method} factor is already on; turn it off first to set it up again`),
  setupMissing: () => notFound('totp_setup_missing', 'There is no authenticator setup waiting; start one with POST /api/v1/auth/2fa/totp/setup'),
  notEnabled: (method: string) => validationError('two_factor_not_enabled', `The ${method} factor is not on for this account`, [{ field: 'method', message: 'is not on' }]),
  noneEnabled: () => validationError('two_factor_not_enabled', 'No second factor is on for this account'),
  invalidCode: (attemptsLeft?: number) =>
    attemptsLeft === undefined
      ? validationError('invalid_code', 'The code is wrong or has expired', [{ field: 'code', message: 'is wrong or has expired' }])
      : new DomainError('unauthorized', 'invalid_code', attemptsLeft > 0 ? `The code is wrong; ${attemptsLeft} attempts left` : 'The code is wrong; this sign-in is spent, log in again', {
          extra: { attemptsLeft },
        }),
  codeReplayed: () => validationError('code_already_used', 'That code was already used; wait for the next one', [{ field: 'code', message: 'was already used' }]),
  challengeInvalid: () => unauthorized('challenge_invalid', 'This sign-in has expired, was finished, or had too many wrong codes; log in again'),
  emailNotVerified: () => forbidden('email_not_verified', 'Verify your e-mail address before using it for sign-in codes'),
};
