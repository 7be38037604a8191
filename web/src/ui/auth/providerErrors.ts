/**
 * A provider sign-in or link comes back with only `?error=<code>`, no problem detail: these are the
 * codes a person can act on, in their words (the server's error-code list says the same).
 */
const WORDS: Record<string, string> = {
  access_denied: 'It was cancelled at the provider.',
  account_exists: 'An account here already uses that e-mail address: sign in to it, then link the provider in Settings.',
  email_required: 'The provider gave no confirmed e-mail address, which a new account needs.',
  identity_taken: 'That provider account is already linked to another account here.',
  provider_already_linked: 'Your account is already linked to an account at that provider.',
  state_expired: 'It took longer than 10 minutes: start again.',
};

/** What to tell a person whose sign-in (or, signed in, linking) came back with `code`. */
export function providerErrorText(code: string, linking: boolean): string {
  const what = linking ? 'The linking did not finish' : 'The sign-in did not finish';
  return `${what}. ${WORDS[code] ?? `The provider or the server answered “${code}”.`}`;
}
