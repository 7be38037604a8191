import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { blackPng } from './images.js';

/** An account at the local provider: who signs in at the next authorization. */
export interface ProviderAccount {
  id: number;
  login: string;
  name?: string;
  email: string | null;
  /** GitHub: whether /user/emails says the primary address is verified. */
  emailVerified?: boolean;
  /** Serve a picture for the account (a real PNG). */
  picture?: boolean;
}

/** Failure modes, switched on by tests and off by `reset()`. */
export interface ProviderSwitches {
  /** The user refuses at the provider: the authorization answers error=access_denied. */
  denyAccess: boolean;
  /** The token endpoint waits this long before answering. */
  tokenDelayMs: number;
  /** The token endpoint answers with this status and no JSON (a crash). */
  tokenStatus?: number;
  /** The profile endpoint answers with this status. */
  profileStatus?: number;
}

export interface TokenRequest {
  provider: 'github' | '42';
  fields: Record<string, string>;
  /** What the provider concluded about the PKCE verifier. */
  pkce: 'ok' | 'mismatch' | 'missing';
}

export interface LocalOAuthProvider {
  url: string;
  /** GITHUB_* and FORTYTWO_* settings pointing here. */
  env: Record<string, string>;
  signInAs(account: ProviderAccount): void;
  switches: ProviderSwitches;
  /** Every token request, in order. */
  tokenRequests: TokenRequest[];
  /** Every picture download, by path. */
  pictureRequests: string[];
  reset(): void;
  close(): Promise<void>;
}

const CLIENT = { id: 'local-client', secret: 'local-client-secret' };

interface IssuedCode {
  provider: 'github' | '42';
  account: ProviderAccount;
  challenge: string;
  redirectUri: string;
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * A local OAuth server speaking GitHub's and the 42 intranet's shapes: authorization (which signs
 * in the account set by `signInAs` at once), token (checking client, redirect URI and the PKCE
 * verifier against the challenge it was given), and profile endpoints, with switches for failures.
 * GitHub under /github (/login/oauth/…, API at /github/api), 42 under /42 (/oauth/…, API at /42/api).
 */
export async function startOAuthProvider(): Promise<LocalOAuthProvider> {
  let account: ProviderAccount | undefined;
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, ProviderAccount>();
  const switches: ProviderSwitches = { denyAccess: false, tokenDelayMs: 0 };
  const tokenRequests: TokenRequest[] = [];
  const pictureRequests: string[] = [];
  let base = '';

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const readBody = async (req: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
  };
  const bearerAccount = (req: http.IncomingMessage) => tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');

  const authorize = (provider: 'github' | '42', url: URL, res: http.ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== CLIENT.id || !redirectUri) return json(res, 400, { error: 'invalid_request' });
    const back = new URL(redirectUri);
    back.searchParams.set('state', q.get('state') ?? '');
    if (switches.denyAccess || !account) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      if (q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) return json(res, 400, { error: 'invalid_request', error_description: 'PKCE required' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, { provider, account, challenge: q.get('code_challenge')!, redirectUri });
      back.searchParams.set('code', code);
    }
    res.writeHead(302, { location: back.href }).end();
  };

  const token = async (provider: 'github' | '42', req: http.IncomingMessage, res: http.ServerResponse) => {
    const fields = await readBody(req);
    const issued = codes.get(fields.code ?? '');
    const pkce = !fields.code_verifier ? 'missing' : issued && s256(fields.code_verifier) === issued.challenge ? 'ok' : 'mismatch';
    tokenRequests.push({ provider, fields, pkce });
    if (switches.tokenDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, switches.tokenDelayMs));
    if (switches.tokenStatus !== undefined) {
      res.writeHead(switches.tokenStatus, { 'content-type': 'text/html' }).end('<h1>Something went wrong</h1>');
      return;
    }
    const valid =
      fields.client_id === CLIENT.id &&
      fields.client_secret === CLIENT.secret &&
      issued !== undefined &&
      issued.provider === provider &&
      issued.redirectUri === fields.redirect_uri &&
      pkce === 'ok';
    if (fields.code) codes.delete(fields.code);
    if (!valid) {
      // GitHub answers a refused code with 200 and an error; 42 (Doorkeeper) with 400 invalid_grant.
      if (provider === 'github') return json(res, 200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      return json(res, 400, { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid.' });
    }
    const accessToken = randomBytes(16).toString('hex');
    tokens.set(accessToken, issued.account);
    json(res, 200, provider === 'github' ? { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' } : { access_token: accessToken, token_type: 'bearer', expires_in: 7200, scope: 'public', created_at: 0 });
  };

  const pictureOf = (who: ProviderAccount) => (who.picture ? `${base}/pictures/${who.id}.png` : null);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const route = `${req.method} ${url.pathname}`;
    void (async () => {
      if (route === 'GET /github/login/oauth/authorize') return authorize('github', url, res);
      if (route === 'GET /42/oauth/authorize') return authorize('42', url, res);
      if (route === 'POST /github/login/oauth/access_token') return token('github', req, res);
      if (route === 'POST /42/oauth/token') return token('42', req, res);
      if (url.pathname.startsWith('/pictures/')) {
        pictureRequests.push(url.pathname);
        res.writeHead(200, { 'content-type': 'image/png' }).end(blackPng(64, 64));
        return;
      }
      const who = bearerAccount(req);
      if (!who) return json(res, 401, { message: 'Bad credentials' });
      if (switches.profileStatus !== undefined) return json(res, switches.profileStatus, { message: 'Server Error' });
      if (route === 'GET /github/api/user') {
        return json(res, 200, { id: who.id, login: who.login, name: who.name ?? null, email: null, avatar_url: pictureOf(who) });
      }
      if (route === 'GET /github/api/user/emails') {
        return json(res, 200, who.email === null ? [] : [{ email: who.email, primary: true, verified: who.emailVerified ?? true, visibility: 'private' }]);
      }
      if (route === 'GET /42/api/v2/me') {
        const [first = '', last = ''] = (who.name ?? '').split(' ');
        return json(res, 200, {
          id: who.id,
          login: who.login,
          email: who.email,
          first_name: first,
          last_name: last,
          usual_full_name: who.name ?? who.login,
          displayname: who.name ?? who.login,
          image: { link: pictureOf(who), versions: { small: pictureOf(who) } },
        });
      }
      json(res, 404, { message: 'Not Found' });
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    env: {
      GITHUB_CLIENT_ID: CLIENT.id,
      GITHUB_CLIENT_SECRET: CLIENT.secret,
      GITHUB_AUTHORIZE_URL: `${base}/github/login/oauth/authorize`,
      GITHUB_TOKEN_URL: `${base}/github/login/oauth/access_token`,
      GITHUB_API_URL: `${base}/github/api`,
      FORTYTWO_CLIENT_ID: CLIENT.id,
      FORTYTWO_CLIENT_SECRET: CLIENT.secret,
      FORTYTWO_AUTHORIZE_URL: `${base}/42/oauth/authorize`,
      FORTYTWO_TOKEN_URL: `${base}/42/oauth/token`,
      FORTYTWO_API_URL: `${base}/42/api`,
    },
    signInAs: (next) => (account = next),
    switches,
    tokenRequests,
    pictureRequests,
    reset: () => {
      Object.assign(switches, { denyAccess: false, tokenDelayMs: 0, tokenStatus: undefined, profileStatus: undefined });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
