import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { blackPng } from './images.js';

/** Who signs in at the provider next: the claims it will vouch for. */
export interface OpenIdAccount {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  preferredUsername?: string;
  picture?: boolean;
}

export interface LocalOpenIdProvider {
  issuer: string;
  /** OIDC_* settings for the app. */
  env: Record<string, string>;
  /** Sets up the app's client, once the app's callback URL is known (it listens after this server). */
  register(redirectUri: string): void;
  /** Who signs in next; undefined: nobody does (the provider answers access_denied). */
  signInAs(account: OpenIdAccount | undefined): void;
  close(): Promise<void>;
}

const CLIENT = { id: 'messenger', secret: 'messenger-client-secret' };

/**
 * A real OpenID provider (oidc-provider) on a loopback port, in the test process. Its login step
 * is automatic: the interaction signs in the account set by `signInAs`, and consent is granted.
 */
export async function startOpenIdProvider(): Promise<LocalOpenIdProvider> {
  let oidc: Provider | undefined;
  let account: OpenIdAccount | undefined;
  let issuer = '';

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    void (async () => {
      if (!oidc) return res.writeHead(503).end();
      if (url.pathname.startsWith('/pictures/')) return res.writeHead(200, { 'content-type': 'image/png' }).end(blackPng(32, 32));
      if (url.pathname.startsWith('/interaction/')) {
        await oidc.interactionDetails(req, res);
        if (!account) return oidc.interactionFinished(req, res, { error: 'access_denied', error_description: 'no account' }, { mergeWithLastSubmission: false });
        return oidc.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
      }
      await oidc.callback()(req, res);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const claimsOf = (who: OpenIdAccount) => ({
    sub: who.sub,
    ...(who.email !== undefined ? { email: who.email, email_verified: who.emailVerified ?? false } : {}),
    ...(who.name !== undefined ? { name: who.name } : {}),
    ...(who.preferredUsername !== undefined ? { preferred_username: who.preferredUsername } : {}),
    ...(who.picture ? { picture: `${issuer}/pictures/${who.sub}.png` } : {}),
  });

  const configuration = (redirectUri: string): Configuration => ({
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), use: 'sig', kid: 'test' }] as never },
    cookies: { keys: ['local-openid-provider-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'picture'] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    // Consent is part of the automatic login: every client gets what it asks for.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      if (!account || account.sub !== sub) return undefined;
      const who = account;
      return { accountId: sub, claims: async () => claimsOf(who) };
    },
  });

  return {
    issuer,
    env: { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: CLIENT.id, OIDC_CLIENT_SECRET: CLIENT.secret, OIDC_NAME: 'Local SSO' },
    register: (redirectUri) => {
      oidc = new Provider(issuer, configuration(redirectUri));
    },
    signInAs: (next) => (account = next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
