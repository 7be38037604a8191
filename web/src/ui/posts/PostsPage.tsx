import { useLocation } from 'preact-iso';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { FeedTabs, FEEDS, type Feed } from './FeedTabs.js';
import { PostComposer } from './PostComposer.js';
import { PostList } from './PostList.js';
import { usePostList } from './usePostList.js';

const EMPTY: Record<Feed, string> = {
  latest: 'No posts yet. Write the first one above.',
  friends: 'Nothing from your friends yet.',
  popular: 'Nothing popular yet.',
};

/** The feeds, with the composer on top; the chosen feed is in the address (?feed=), so reload keeps it. */
export function PostsPage() {
  const { query, route } = useLocation();
  const feed: Feed = FEEDS.find((f) => f.id === query.feed)?.id ?? 'latest';
  const list = usePostList(
    feed,
    (cursor) => client.unwrap(client.api.GET('/api/v1/posts', { params: { query: { feed, limit: 20, ...(cursor ? { cursor } : {}) } } })),
    // New posts go on top of the time-ordered feeds; "popular" is ranked by the server.
    () => feed !== 'popular',
  );

  return (
    <main class="posts">
      <h1>Posts</h1>
      {me.value && (
        <PostComposer onPublished={list.add} />
      )}
      <FeedTabs current={feed} onChange={(next) => route(next === 'latest' ? '/posts' : `/posts?feed=${next}`)} />
      <div role="tabpanel" id="feed-panel" aria-labelledby={`feed-tab-${feed}`}>
        <PostList list={list} empty={EMPTY[feed]} />
      </div>
    </main>
  );
}
