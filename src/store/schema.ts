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
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  messages: MessagesTable;
  message_reactions: MessageReactionsTable;
  uploads: UploadsTable;
  friendships: FriendshipsTable;
  friend_requests: FriendRequestsTable;
  blocks: BlocksTable;
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  login_challenges: LoginChallengesTable;
  trusted_devices: TrustedDevicesTable;
  identities: IdentitiesTable;
  oauth_states: OAuthStatesTable;
  oauth_exchange_codes: OAuthExchangeCodesTable;
  posts: PostsTable;
  post_images: PostImagesTable;
  post_likes: PostLikesTable;
  post_comments: PostCommentsTable;
  sync_state: SyncStateTable;
  sync_audiences: SyncAudiencesTable;
  sync_audience_members: SyncAudienceMembersTable;
  sync_events: SyncEventsTable;
  connected_users: ConnectedUsersTable;
  chat_invitations: ChatInvitationsTable;
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
  bio: Generated<string>;
  avatar_key: string | null;
  pending_email: string | null;
  first_name_key: Generated<string>;
  last_name_key: Generated<string>;
  group_adds: Generated<GroupAdds>;
  /** Space-separated: the second factors turned on ('totp', 'email'). */
  second_factors: Generated<string>;
  /** Space-separated: the OAuth providers linked to the account. */
  linked_providers: Generated<string>;
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

export type OneTimePurpose = 'verify_email' | 'reset_password' | 'change_email' | 'confirm_second_factor' | 'login_code';

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

export type ChatKind = 'direct' | 'group';
export type ChatRole = 'owner' | 'admin' | 'member';

export interface ChatsTable {
  id: Generated<number>;
  kind: ChatKind;
  name: string | null;
  direct_key: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  last_seq: Generated<number>;
  activity_at: number;
}

export interface ChatMembersTable {
  chat_id: number;
  user_id: number;
  role: ChatRole;
  joined_at: number;
  last_read_seq: Generated<number>;
}

export interface MessagesTable {
  id: Generated<number>;
  chat_id: number;
  seq: number;
  sender_id: number | null;
  client_id: string | null;
  text: string | null;
  reply_to_id: number | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

export interface MessageReactionsTable {
  message_id: number;
  user_id: number;
  emoji: string;
  created_at: number;
}

export interface UploadsTable {
  id: Generated<number>;
  owner_id: number | null;
  storage_key: string;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  thumbnail_key: string | null;
  created_at: number;
  message_id: number | null;
  chat_id: number | null;
}

export interface FriendshipsTable {
  user_id: number;
  friend_id: number;
  created_at: number;
}

export interface FriendRequestsTable {
  from_id: number;
  to_id: number;
  created_at: number;
}

export interface BlocksTable {
  blocker_id: number;
  blocked_id: number;
  created_at: number;
}

/** Who may add a user to a group. */
export type GroupAdds = 'everyone' | 'friends';


export interface TotpCredentialsTable {
  user_id: number;
  sealed_secret: string;
  created_at: number;
  enabled_at: number | null;
  last_step: number | null;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  code_hash: string;
  used_at: number | null;
}

export interface LoginChallengesTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  /** 1 when the login asked for a cookie session. */
  cookie: number;
  user_agent: string | null;
  ip: string | null;
  attempts: Generated<number>;
  email_code_hash: string | null;
  email_code_expires_at: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface TrustedDevicesTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  user_agent: string | null;
  ip: string | null;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}

export interface IdentitiesTable {
  id: Generated<number>;
  user_id: number;
  provider: string;
  subject: string;
  login: string;
  email: string | null;
  created_at: number;
}

export interface OAuthStatesTable {
  id: Generated<number>;
  state_hash: string;
  browser_hash: string;
  provider: string;
  code_verifier: string;
  callback_url: string;
  redirect: string;
  link_user_id: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface OAuthExchangeCodesTable {
  id: Generated<number>;
  code_hash: string;
  user_id: number;
  provider: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export type PostVisibility = 'public' | 'friends';

export interface PostsTable {
  id: Generated<number>;
  author_id: number;
  text: string;
  visibility: PostVisibility;
  like_count: Generated<number>;
  comment_count: Generated<number>;
  view_count: Generated<number>;
  rank_at: number;
  created_at: number;
  edited_at: number | null;
}

export interface PostImagesTable {
  id: Generated<number>;
  post_id: number;
  position: number;
  blob_key: string;
  width: number;
  height: number;
  placeholder: string;
  /** The author's description of the image; empty when none was given. */
  alt: Generated<string>;
}

export interface PostLikesTable {
  post_id: number;
  user_id: number;
  created_at: number;
}

export interface PostCommentsTable {
  id: Generated<number>;
  post_id: number;
  author_id: number;
  reply_to_id: number | null;
  text: string;
  created_at: number;
}

export interface SyncStateTable {
  id: number;
  head: number;
  pruned_through: number;
}

export interface SyncAudiencesTable {
  id: Generated<number>;
  members_key: string;
}

export interface SyncAudienceMembersTable {
  user_id: number;
  audience_id: number;
}

export interface SyncEventsTable {
  id: number;
  audience_id: number;
  payload: string;
  created_at: number;
}

export interface ConnectedUsersTable {
  user_id: number;
  since: number;
}

export interface ChatInvitationsTable {
  chat_id: number;
  user_id: number;
  created_at: number;
}
