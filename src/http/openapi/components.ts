import type { TSchema } from 'typebox';
import { Avatar } from '../../views/avatars.js';
import { Chat, Member, Message, Reaction } from '../../views/chats.js';
import { Contact, FriendshipStatus, Person, PublicProfile } from '../../views/people.js';
import { CommentView, PostImage, PostPersonView, PostView } from '../../views/posts.js';
import { Attachment } from '../../views/uploads.js';
import { LoginAnswer } from '../auth/login-answer.js';
import { Identity, Provider } from '../auth/oauth-views.js';
import { TrustedDeviceView, TwoFactorStatus } from '../auth/two-factor-routes.js';
import { ApiToken, CurrentUser, Eviction, Session, TokenPair } from '../auth/views.js';
import { ProblemSchema } from '../problem.js';

/**
 * The shapes a client meets in many places, by the name the OpenAPI document gives them
 * (`#/components/schemas/<name>`). The route schemas keep using the TypeBox values themselves
 * (validation, serialization and the WebSocket frames are untouched); when the document is built,
 * every schema in it that is exactly one of these is replaced by a `$ref` to it (`contract.ts`).
 * So a new route that answers a `Chat` refers to the component without saying so, and a test
 * checks that the main ones are referred to.
 */
export const COMPONENTS: Record<string, { schema: TSchema; description: string }> = {
  Problem: {
    schema: ProblemSchema,
    description: 'An error, as RFC 9457 problem details (`application/problem+json`), with a stable `code` (listed in each response and in the introduction).',
  },
  Avatar: { schema: Avatar, description: 'A user’s picture in two square sizes; public URLs that change with the picture.' },
  User: { schema: Person, description: 'A user as anyone signed in may see them: never an e-mail address or anything private.' },
  Profile: { schema: PublicProfile, description: 'A user’s profile, with where I stand with them.' },
  Contact: { schema: Contact, description: 'A friend, a friend request or a block, with when it began.' },
  FriendshipStatus: { schema: FriendshipStatus, description: 'Where two users stand.' },
  CurrentUser: { schema: CurrentUser, description: 'My own account, as only I see it.' },
  Session: { schema: Session, description: 'A signed-in session of my account (an app or a browser).' },
  ApiToken: { schema: ApiToken, description: 'A personal access token, without its secret.' },
  TokenPair: { schema: TokenPair, description: 'An access token and the refresh token that renews it.' },
  LoginAnswer: {
    schema: LoginAnswer,
    description: 'What every sign-in answers: a token pair with the user, a cookie session (`"cookie": true`), or a second-factor challenge to finish.',
  },
  Eviction: { schema: Eviction, description: 'What signing out everywhere ended.' },
  TwoFactorStatus: { schema: TwoFactorStatus, description: 'Which second factors are on.' },
  TrustedDevice: { schema: TrustedDeviceView, description: 'A device that skips the second factor at login for 30 days.' },
  Provider: { schema: Provider, description: 'A sign-in provider enabled on this server.' },
  Identity: { schema: Identity, description: 'An account at a sign-in provider linked to mine.' },
  Chat: { schema: Chat, description: 'A direct or group chat, as one member sees it.' },
  ChatMember: { schema: Member, description: 'A member of a chat, with their role.' },
  Message: { schema: Message, description: 'A message in a chat; the same shape over HTTP and in WebSocket events.' },
  Attachment: { schema: Attachment, description: 'A stored file, on its own or attached to a message.' },
  Reaction: { schema: Reaction, description: 'An emoji on a message, with how many reacted with it.' },
  Post: { schema: PostView, description: 'A post with its images and counts, as I may see it.' },
  PostAuthor: { schema: PostPersonView, description: 'The author of a post or a comment, or a person who liked a post.' },
  PostImage: { schema: PostImage, description: 'An image of a post: the display size, a thumbnail and a placeholder.' },
  Comment: { schema: CommentView, description: 'A comment on a post.' },
};
