import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A sign-in sent to a provider, as its callback finds it. */
export interface OAuthStateRecord {
  browserHash: string;
  provider: string;
  codeVerifier: string;
  callbackUrl: string;
  redirect: string;
  linkUserId: number | null;
  expiresAt: number;
}

/** A new state: the record, under the hash of its `state` parameter. */
export type NewOAuthState = OAuthStateRecord & { stateHash: string; now: number };

/** OAuth sign-ins waiting for the provider to send the browser back; each state works once. */
export class OAuthStatesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(state: NewOAuthState): Promise<void> {
    await this.db
      .insertInto('oauth_states')
      .values({
        state_hash: state.stateHash,
        browser_hash: state.browserHash,
        provider: state.provider,
        code_verifier: state.codeVerifier,
        callback_url: state.callbackUrl,
        redirect: state.redirect,
        link_user_id: state.linkUserId,
        created_at: state.now,
        expires_at: state.expiresAt,
      })
      .execute();
  }

  /**
   * Marks the state used and returns it (expired or not: the caller says which); undefined when
   * it is unknown or was used already, so of two requests with one state only one gets it.
   */
  async consume(stateHash: string, now: number): Promise<OAuthStateRecord | undefined> {
    return this.db
      .updateTable('oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', stateHash)
      .where('used_at', 'is', null)
      .returning([
        'browser_hash as browserHash',
        'provider',
        'code_verifier as codeVerifier',
        'callback_url as callbackUrl',
        'redirect',
        'link_user_id as linkUserId',
        'expires_at as expiresAt',
      ])
      .executeTakeFirst();
  }
}
