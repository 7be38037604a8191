import type { Post } from '@messenger/sdk';
import { FormError } from '../common/Field.js';
import { PostItem } from './PostItem.js';
import type { usePostList } from './usePostList.js';

/** Posts one under the other, and a button for the next page while there is one. */
export function PostList({ list, empty }: { list: ReturnType<typeof usePostList>; empty: string }) {
  return (
    <div class="post-list">
      <FormError message={list.error} />
      {list.loaded && list.posts.length === 0 && <p class="empty">{empty}</p>}
      {list.posts.map((post: Post) => (
        <PostItem key={post.id} post={post} onChange={list.replace} onDeleted={list.remove} />
      ))}
      {!list.loaded && list.busy && <p role="status">Loading posts…</p>}
      {list.hasMore && (
        <button type="button" class="more" disabled={list.busy} onClick={() => void list.loadMore()}>
          {list.busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
