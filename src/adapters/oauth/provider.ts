/** What a sign-in provider says about the account that signed in there. */
export interface ProviderProfile {
  /** The provider's stable id for the account (never its login, which can change). */
  id: string;
  login: string;
  name: string;
  email: string | null;
  /** Whether the provider vouches that the account controls `email`. */
  emailVerified: boolean;
  avatarUrl: string | null;
}

/** What the token endpoint gave for a code. */
export interface ProviderGrant {
  accessToken: string;
  /** OpenID Connect: the claims of the ID token, already checked. */
  idClaims?: Readonly<Record<string, unknown>>;
}

/** The provider's answer on the callback, as the browser brought it. */
export interface AuthorizationResponse {
  code: string;
  state: string;
  /** RFC 9207: the issuer that answered, when the provider says. */
  iss?: string;
}

/**
 * One sign-in provider (GitHub, the 42 intranet, an OpenID Connect issuer). Every call has a
 * timeout; failures are ProviderErrors, never anything else.
 */
export interface OAuthProvider {
  /** In URLs and in a user's sign-in methods: `github`, `42`, `oidc`. */
  readonly id: string;
  /** For buttons. */
  readonly name: string;
  /** The origins of the provider's own endpoints (pictures from them may be fetched over plain http). */
  readonly origins: readonly string[];
  /** Where to send the browser, with PKCE (S256). */
  authorizationUrl(state: string, codeChallenge: string, redirectUri: string): Promise<string>;
  /** Trades the code, with the PKCE verifier, for an access token. */
  exchange(response: AuthorizationResponse, codeVerifier: string, redirectUri: string): Promise<ProviderGrant>;
  profile(grant: ProviderGrant): Promise<ProviderProfile>;
}

/**
 * `unavailable`: the provider failed, timed out or answered nonsense (its fault, 502);
 * `code_rejected`: it refused the code (wrong, used, or its PKCE verifier does not match).
 */
export class ProviderError extends Error {
  constructor(
    readonly reason: 'unavailable' | 'code_rejected',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProviderError';
  }
}
