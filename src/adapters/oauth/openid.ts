import * as openid from 'openid-client';
import { stringOr, subjectOf } from './provider-http.js';
import { ProviderError, type AuthorizationResponse, type OAuthProvider, type ProviderGrant, type ProviderProfile } from './provider.js';

export interface OpenIdSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  name: string;
  timeoutMs: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Any OpenID Connect provider (Google, GitLab, Keycloak…), set up by its issuer URL through
 * discovery, on first use. openid-client checks the ID token (signature, issuer, audience, expiry)
 * and the PKCE round trip; the profile is the ID token's claims, completed from the userinfo endpoint.
 */
export class OpenIdProvider implements OAuthProvider {
  readonly id = 'oidc';
  readonly name: string;
  readonly origins: readonly string[];
  private configuration: Promise<openid.Configuration> | undefined;

  constructor(private readonly settings: OpenIdSettings) {
    this.name = settings.name;
    this.origins = [new URL(settings.issuer).origin];
  }

  async authorizationUrl(state: string, codeChallenge: string, redirectUri: string): Promise<string> {
    const config = await this.discovered();
    return openid.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    }).href;
  }

  async exchange(response: AuthorizationResponse, codeVerifier: string, redirectUri: string): Promise<ProviderGrant> {
    const config = await this.discovered();
    const current = new URL(redirectUri);
    current.searchParams.set('code', response.code);
    current.searchParams.set('state', response.state);
    if (response.iss !== undefined) current.searchParams.set('iss', response.iss);
    try {
      const tokens = await openid.authorizationCodeGrant(config, current, { pkceCodeVerifier: codeVerifier, expectedState: response.state, idTokenExpected: true });
      const claims = tokens.claims();
      if (!claims) throw new ProviderError('unavailable', 'the issuer gave no ID token');
      return { accessToken: tokens.access_token, idClaims: claims };
    } catch (error) {
      throw providerError(error, 'the token request failed');
    }
  }

  async profile(grant: ProviderGrant): Promise<ProviderProfile> {
    const claims: Record<string, unknown> = { ...grant.idClaims };
    const subject = subjectOf(claims.sub, new URL(this.settings.issuer).host);
    const config = await this.discovered();
    if (config.serverMetadata().userinfo_endpoint) {
      try {
        Object.assign(claims, await openid.fetchUserInfo(config, grant.accessToken, subject));
      } catch (error) {
        throw providerError(error, 'the userinfo request failed');
      }
    }
    const email = stringOr(claims.email, null);
    const login = stringOr(claims.preferred_username, stringOr(claims.nickname, email?.split('@')[0] ?? subject));
    return {
      id: subject,
      login,
      name: stringOr(claims.name, login),
      email,
      emailVerified: email !== null && claims.email_verified === true,
      avatarUrl: stringOr(claims.picture, null),
    };
  }

  /** The issuer's metadata, fetched once; a failed discovery is tried again on the next sign-in. */
  private discovered(): Promise<openid.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret, timeoutMs } = this.settings;
      const url = new URL(issuer);
      // Plain http only for an issuer on this machine (a local identity provider, the tests).
      const insecure = url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
      this.configuration = openid.discovery(url, clientId, clientSecret, undefined, {
        timeout: timeoutMs / 1000,
        execute: insecure ? [openid.allowInsecureRequests] : [],
      });
      this.configuration.catch(() => (this.configuration = undefined));
    }
    return this.configuration.catch((error: unknown) => {
      throw providerError(error, 'discovery failed');
    });
  }
}

function providerError(error: unknown, what: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof openid.ResponseBodyError && error.status < 500 && ['invalid_grant', 'invalid_request'].includes(error.error)) {
    return new ProviderError('code_rejected', `the issuer refused the code: ${error.error}`, { cause: error });
  }
  return new ProviderError('unavailable', `OpenID Connect: ${what}`, { cause: error });
}
