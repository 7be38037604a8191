import { useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { client } from '../../api.js';
import { displayName } from '../../state/people.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { ConfirmDelete } from '../common/ConfirmDelete.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useFocusSwap } from '../common/useFocusSwap.js';
import { useTask } from '../common/useTask.js';
import { Comments } from './Comments.js';
import { LikersDialog } from './LikersDialog.js';
import { PostEditor } from './PostEditor.js';
import { PostPhotos } from './PostPhotos.js';

interface Props {
  post: Post;
  onChange: (post: Post) => void;
  onDeleted: (id: number) => void;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** One post: who and when, the text and photos, likes and who gave them, comments, and editing or deleting it when it is mine. */
export function PostItem({ post, onChange, onDeleted }: Props) {
  const [commentsOpen, setCommentsOpen] = useState(false);
  const [editing, setEditing] = useState(false);
  const [likersOpen, setLikersOpen] = useState(false);
  // The editor puts the keyboard in its own field.
  const editFocus = useFocusSwap(editing);
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
    <article class="post" aria-label={`Post by ${displayName(post.author)}`}>
      <header class="post-header">
        <a href={`/users/${post.author.id}`} class="post-author">
          <Avatar person={post.author} size={36} />
          <strong>{displayName(post.author)}</strong>
          {displayName(post.author) !== post.author.username && <small>@{post.author.username}</small>}
        </a>
        <small>
          <time dateTime={post.createdAt}>{shortTime(post.createdAt)}</time>
          {post.visibility === 'friends' && ' · Friends only'}
          {post.editedAt && ' · edited'}
        </small>
      </header>
      {editing ? (
        <PostEditor
          post={post}
          onSaved={(saved) => {
            onChange(saved);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        post.text && <p class="post-text">{post.text}</p>
      )}
      <PostPhotos images={post.images} />
      <FormError message={error} />
      <footer class="post-actions">
        <button type="button" aria-pressed={post.likedByMe} disabled={busy} onClick={() => void toggleLike()}>
          <span aria-hidden="true">{post.likedByMe ? '♥' : '♡'}</span> Like
        </button>
        {post.likeCount > 0 ? (
          <button type="button" class="link count" aria-haspopup="dialog" onClick={() => setLikersOpen(true)}>
            {plural(post.likeCount, 'like', 'likes')}
          </button>
        ) : (
          <span class="count">0 likes</span>
        )}
        <button type="button" aria-expanded={commentsOpen} onClick={() => setCommentsOpen(!commentsOpen)}>
          Comments ({post.commentCount})
        </button>
        {mine && !editing && (
          <button ref={editFocus.opener} type="button" class="link" onClick={() => setEditing(true)}>
            Edit post
          </button>
        )}
        {mine && <ConfirmDelete what="post" label="Delete post" busy={busy} onDelete={() => void remove()} />}
      </footer>
      {commentsOpen && <Comments postId={post.id} postAuthorId={post.author.id} onCount={(change) => onChange({ ...post, commentCount: Math.max(0, post.commentCount + change) })} />}
      {likersOpen && <LikersDialog postId={post.id} onClose={() => setLikersOpen(false)} />}
    </article>
  );
}
