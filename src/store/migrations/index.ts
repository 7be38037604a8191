import type { Migration } from 'kysely';
import * as accounts from './0001_accounts.js';
import * as chats from './0002_chats.js';
import * as social from './0003_social.js';
import * as privacy from './0004_privacy.js';
import * as twoFactor from './0005_two_factor.js';
import * as oauth from './0006_oauth.js';
import * as posts from './0007_posts.js';
import * as sync from './0008_sync.js';
import * as connectionsAndInvitations from './0009_connections_and_invitations.js';
import * as postImageAlt from './0010_post_image_alt.js';

/**
 * Every migration, in order. One set serves SQLite and PostgreSQL: each migration uses Kysely's
 * schema builder and asks `engineOf(db)` where the engines differ. Names sort in apply order.
 */
export const migrations: Record<string, Migration> = {
  '0001_accounts': accounts,
  '0002_chats': chats,
  '0003_social': social,
  '0004_privacy': privacy,
  '0005_two_factor': twoFactor,
  '0006_oauth': oauth,
  '0007_posts': posts,
  '0008_sync': sync,
  '0009_connections_and_invitations': connectionsAndInvitations,
  '0010_post_image_alt': postImageAlt,
};
