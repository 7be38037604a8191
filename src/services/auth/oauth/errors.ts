import { conflict, DomainError, forbidden, notFound, validationError } from '../../errors.js';

/**
 * Every way an OAuth sign-in fails, by the code clients see (in the problem's `code`, or as
 * `?error=` on the redirect back to the app).
 */
export const oauthErrors = {
  unknownProvider: (id: string) => notFound('provider_not_found', `No sign-in provider "${id}" is enabled here`),
  redirectNotAllowed: () =>
    validationError('redirect_not_allowed', 'redirect must be an http(s) URL on one of the app’s origins', [{ field: 'redirect', message: 'is not on an allowed origin' }]),
  stateMissing: () => validationError('state_missing', 'The provider’s answer has no state; start the sign-in again', [{ field: 'state', message: 'is required' }]),
  invalidState: () => validationError('invalid_state', 'This sign-in is unknown or was already used; start it again', [{ field: 'state', message: 'is invalid or used' }]),
  stateMismatch: () =>
    validationError('state_mismatch', 'This sign-in was started in another browser (or its cookie is gone); start it again here', [
      { field: 'state', message: 'does not belong to this browser' },
    ]),
  stateExpired: () => validationError('state_expired', 'This sign-in took longer than 10 minutes; start it again', [{ field: 'state', message: 'has expired' }]),
  accessDenied: (provider: string) => forbidden('access_denied', `Sign-in was cancelled at ${provider}`),
  providerRefused: (provider: string) => validationError('provider_error', `${provider} could not sign you in; try again`),
  codeMissing: () => validationError('code_missing', 'The provider’s answer has no code', [{ field: 'code', message: 'is required' }]),
  codeRejected: (provider: string) => validationError('code_rejected', `${provider} refused this sign-in’s code (wrong, used or not ours); start again`),
  providerUnavailable: (provider: string) => new DomainError('bad_gateway', 'provider_unavailable', `${provider} did not answer properly; try again in a moment`),
  emailRequired: (provider: string) =>
    validationError('email_required', `${provider} shared no e-mail address; allow it to, or register with a password and link ${provider} afterwards`),
  accountExists: (provider: string) =>
    conflict(
      'account_exists',
      `An account already uses this e-mail address. Sign in to it (or reset its password) and link ${provider} from your sign-in methods; ` +
        `addresses are matched only when both sides have verified them`,
    ),
  identityTaken: (provider: string) => conflict('identity_taken', `That ${provider} account is already linked to another account here`),
  providerAlreadyLinked: (provider: string) => conflict('provider_already_linked', `Another ${provider} account is already linked to this account; unlink it first`),
  emailNotVerified: () => forbidden('email_not_verified', 'Confirm your e-mail address with the mailed link, then sign in again'),
  accountGone: () => notFound('user_not_found', 'The account no longer exists'),
  invalidExchangeCode: () =>
    validationError('invalid_code', 'This sign-in code is wrong, used or older than a minute; sign in again', [{ field: 'code', message: 'is invalid or expired' }]),
  identityNotFound: () => notFound('identity_not_found', 'No such linked account'),
  lastWayIn: () =>
    conflict('last_sign_in_method', 'This is the account’s only way to sign in: set a password (through a password reset) or link another provider first'),
};
