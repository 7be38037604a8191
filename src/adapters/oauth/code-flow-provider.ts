import type { OAuthAppConfig } from '../../config.js';
import { accessTokenOf, callProvider, form } from './provider-http.js';
import type { AuthorizationResponse, OAuthProvider, ProviderGrant, ProviderProfile } from './provider.js';

/**
 * A plain OAuth 2 provider with configured endpoints (RFC 6749 authorization code with PKCE):
 * what GitHub and the 42 intranet share. A provider adds its scope and how it reads the profile.
 */
export abstract class CodeFlowProvider implements OAuthProvider {
  abstract readonly id: string;
  abstract readonly name: string;
  protected abstract readonly scope: string;
  readonly origins: readonly string[];
  /** The API's host, for error messages. */
  protected readonly host: string;

  constructor(
    protected readonly app: OAuthAppConfig,
    protected readonly timeoutMs: number,
  ) {
    this.origins = [app.authorizeUrl, app.tokenUrl, app.apiUrl].map((url) => new URL(url).origin);
    this.host = new URL(app.apiUrl).host;
  }

  async authorizationUrl(state: string, codeChallenge: string, redirectUri: string): Promise<string> {
    const url = new URL(this.app.authorizeUrl);
    url.search = new URLSearchParams({
      client_id: this.app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: this.scope,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  }

  async exchange(response: AuthorizationResponse, codeVerifier: string, redirectUri: string): Promise<ProviderGrant> {
    const answer = await callProvider(
      this.app.tokenUrl,
      {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'authorization_code',
          client_id: this.app.clientId,
          client_secret: this.app.clientSecret,
          code: response.code,
          redirect_uri: redirectUri,
          code_verifier: codeVerifier,
        }),
      },
      this.timeoutMs,
    );
    // Some providers (GitHub) answer a refused code with 200 and an `error` field: accessTokenOf reads both.
    return { accessToken: accessTokenOf(answer, new URL(this.app.tokenUrl).host) };
  }

  abstract profile(grant: ProviderGrant): Promise<ProviderProfile>;
}
