import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import type { Profile } from '@messenger/sdk';
import { client, problemText, realtime } from '../../api.js';
import { displayName } from '../../state/people.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { FriendButtons } from '../people/FriendButtons.js';
import { PostList } from './PostList.js';
import { usePostList } from './usePostList.js';

const FRIENDSHIP: Record<Profile['friendship'], string> = {
  none: '',
  friends: 'Friends',
  outgoing: 'You asked to be friends',
  incoming: 'Asks to be friends',
  blocked: 'Blocked',
};

/** A person: their profile, what I can do about them, and their posts, as I may see them. */
export function UserPage() {
  const { params } = useRoute();
  const id = Number(params.id);
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string>();
  const loadProfile = () => client.unwrap(client.api.GET('/api/v1/users/{id}', { params: { path: { id } } })).then(setProfile, (e: unknown) => setError(problemText(e)));
  useEffect(() => {
    setProfile(null);
    setError(undefined);
    void loadProfile();
    // A request, an answer or a block from them (or from my other tabs) changes where we stand.
    const offs = (['friend.request', 'friend.added', 'friend.removed', 'block.added', 'block.removed'] as const).map((type) => realtime.on(type, () => void loadProfile()));
    return () => offs.forEach((off) => off());
  }, [id]);
  const list = usePostList(
    `user-${id}`,
    (cursor) => client.unwrap(client.api.GET('/api/v1/users/{id}/posts', { params: { path: { id }, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    (post) => post.author.id === id,
  );

  return (
    <main class="posts">
      <FormError message={error} />
      {profile && (
        <header class="profile">
          <Avatar person={profile} size={96} online={profile.isOnline} />
          <div>
            <h1>{displayName(profile)}</h1>
            <p class="muted">
              @{profile.username}
              {/* Read out when it changes, as after a button below or their answer. */}
              <span aria-live="polite">{FRIENDSHIP[profile.friendship] && ` · ${FRIENDSHIP[profile.friendship]}`}</span>
            </p>
            {profile.bio && <p class="bio">{profile.bio}</p>}
            {profile.id !== me.value?.id && <FriendButtons profile={profile} onChanged={loadProfile} />}
          </div>
        </header>
      )}
      <h2>Posts</h2>
      <PostList list={list} empty="No posts to show." />
    </main>
  );
}
