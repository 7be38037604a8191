import { useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';
import { Comments } from './Comments.js';
import { PostPhotos } from './PostPhotos.js';

interface Props {
  post: Post;
  onChange: (post: Post) => void;
  onDeleted: (id: number) => void;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** One post: who and when, the text and photos, likes, comments, and deleting it when it is mine. */
export function PostItem({ post, onChange, onDeleted }: Props) {
  const [commentsOpen, setCommentsOpen] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useTask();
  const mine = post.author.id === me.value?.id;
  const path = { params: { path: { id: post.id } } };

  const toggleLike = () => run(async () => onChange(await client.unwrap(post.likedByMe ? client.api.DELETE('/api/v1/posts/{id}/like', path) : client.api.PUT('/api/v1/posts/{id}/like', path))));
  const remove = () =>
    run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/posts/{id}', path));
      onDeleted(post.id);
    });

  return (
    <article class="post" aria-label={`Post by ${post.author.username}`}>
      <header class="post-header">
        <a href={`/users/${post.author.id}`} class="post-author">
          <Avatar person={post.author} size={36} />
          <strong>{post.author.username}</strong>
        </a>
        <small>
          <time dateTime={post.createdAt}>{shortTime(post.createdAt)}</time>
          {post.visibility === 'friends' && ' · Friends only'}
          {post.editedAt && ' · edited'}
        </small>
      </header>
      {post.text && <p class="post-text">{post.text}</p>}
      <PostPhotos images={post.images} />
      <FormError message={error} />
      <footer class="post-actions">
        <button type="button" aria-pressed={post.likedByMe} disabled={busy} onClick={() => void toggleLike()}>
          <span aria-hidden="true">{post.likedByMe ? '♥' : '♡'}</span> Like
        </button>
        <span class="count">{plural(post.likeCount, 'like', 'likes')}</span>
        <button type="button" aria-expanded={commentsOpen} onClick={() => setCommentsOpen(!commentsOpen)}>
          Comments ({post.commentCount})
        </button>
        {mine &&
          (confirming ? (
            <span class="confirm" role="group" aria-label="Delete this post?">
              Delete this post?
              <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
                Delete
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Keep
              </button>
            </span>
          ) : (
            <button type="button" class="link" onClick={() => setConfirming(true)}>
              Delete post
            </button>
          ))}
      </footer>
      {commentsOpen && <Comments postId={post.id} onAdded={() => onChange({ ...post, commentCount: post.commentCount + 1 })} />}
    </article>
  );
}
