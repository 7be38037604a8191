import type { Generated } from 'kysely';

/**
 * The typed shape of every table, for Kysely. Times are stored as integer milliseconds since the
 * epoch on both engines (one representation, cheap comparisons); services turn them into ISO-8601
 * strings at the edge.
 */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  api_tokens: ApiTokensTable;
  one_time_tokens: OneTimeTokensTable;
  dev_outbox: DevOutboxTable;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  username_key: string;
  email: string;
  email_verified_at: number | null;
  password_hash: string | null;
  first_name: string;
  last_name: string;
  created_at: number;
  updated_at: number;
  last_seen_at: number | null;
}

export type SessionKind = 'token' | 'cookie';

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  kind: SessionKind;
  cookie_secret_hash: string | null;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  session_id: number;
  token_hash: string;
  created_at: number;
  expires_at: number;
  retired_at: number | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  token_hint: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}

export type OneTimePurpose = 'verify_email' | 'reset_password';

export interface OneTimeTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: OneTimePurpose;
  token_hash: string;
  code_hash: string | null;
  attempts: Generated<number>;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface DevOutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: number;
}
