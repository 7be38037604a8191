import { useEffect, useId, useState } from 'preact/hooks';
import type { PostComment } from '@messenger/sdk';
import { client, realtime } from '../../api.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';

/** A post's comments, oldest first and page by page, with a field to add one. New ones arrive live. */
export function Comments({ postId, onAdded }: { postId: number; onAdded: () => void }) {
  const fieldId = useId();
  const [comments, setComments] = useState<PostComment[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [text, setText] = useState('');
  const list = useTask();
  const send = useTask();

  const append = (more: PostComment[]) => setComments((shown) => [...shown, ...more.filter((c) => !shown.some((s) => s.id === c.id))]);
  const load = (from?: string) =>
    list.run(async () => {
      const page = await client.unwrap(client.api.GET('/api/v1/posts/{id}/comments', { params: { path: { id: postId }, query: { limit: 20, ...(from ? { cursor: from } : {}) } } }));
      append(page.items);
      setCursor(page.nextCursor);
    });
  useEffect(() => {
    void load();
    return realtime.on('comment.created', (event) => {
      if (event.postId === postId) append([event.comment]);
    });
  }, [postId]);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (text.trim() === '') return;
    await send.run(async () => {
      const comment = await client.unwrap(client.api.POST('/api/v1/posts/{id}/comments', { params: { path: { id: postId } }, body: { text: text.trim() } }));
      append([comment]);
      setText('');
      onAdded();
    });
  };

  return (
    <section class="comments" aria-label="Comments">
      <FormError message={list.error} />
      {comments.length === 0 && !list.busy && <p class="empty">No comments yet.</p>}
      <ul role="list" class="comment-list">
        {comments.map((comment) => (
          <li key={comment.id} class="comment">
            <Avatar person={comment.author} size={28} />
            <div>
              <a href={`/users/${comment.author.id}`}>{comment.author.username}</a> <small>{shortTime(comment.createdAt)}</small>
              <p>{comment.text}</p>
            </div>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="link" disabled={list.busy} onClick={() => void load(cursor)}>
          More comments
        </button>
      )}
      <form class="comment-form" onSubmit={onSubmit}>
        <label for={fieldId} class="visually-hidden">
          Write a comment
        </label>
        <input id={fieldId} value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="Write a comment" maxLength={2000} autoComplete="off" />
        <button type="submit" class="primary" disabled={send.busy || text.trim() === ''}>
          Comment
        </button>
      </form>
      <FormError message={send.error} />
    </section>
  );
}
