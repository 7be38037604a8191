import { useEffect, useState } from 'preact/hooks';
import type { PostComment } from '@messenger/sdk';
import { client, realtime } from '../../api.js';
import { me } from '../../state/session.js';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';
import { CommentForm } from './CommentForm.js';
import { CommentItem } from './CommentItem.js';
import { threads } from './commentThreads.js';

interface Props {
  postId: number;
  postAuthorId: number;
  /** A comment was added (+1) or deleted (-1) here. */
  onCount: (change: number) => void;
}

/**
 * A post's comments, oldest first and page by page, as threads: replies under the comment they
 * answer, each with its own reply field. New ones arrive live; I may delete mine, and any on my post.
 */
export function Comments({ postId, postAuthorId, onCount }: Props) {
  const [comments, setComments] = useState<PostComment[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<PostComment | null>(null);
  const list = useTask();
  const myId = me.value?.id;

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

  const send = async (text: string, replyToId?: number) => {
    const comment = await client.unwrap(client.api.POST('/api/v1/posts/{id}/comments', { params: { path: { id: postId } }, body: { text, ...(replyToId ? { replyToId } : {}) } }));
    append([comment]);
    onCount(1);
  };
  // As on the server, replies to a deleted comment stay, answering nothing.
  const removed = (id: number) => {
    setComments((shown) => shown.filter((c) => c.id !== id).map((c) => (c.replyToId === id ? { ...c, replyToId: null } : c)));
    if (replyTo?.id === id) setReplyTo(null);
    onCount(-1);
  };
  // The keyboard goes back to the Reply button the reply form came from.
  const closeReply = (to: PostComment) => {
    setReplyTo(null);
    requestAnimationFrame(() => document.getElementById(`reply-to-${to.id}`)?.focus());
  };
  const byId = new Map(comments.map((c) => [c.id, c]));
  const item = (comment: PostComment, root: PostComment) => (
    <CommentItem
      comment={comment}
      answers={comment.replyToId !== null && comment.replyToId !== root.id ? byId.get(comment.replyToId) : undefined}
      canDelete={comment.author.id === myId || postAuthorId === myId}
      onReply={() => setReplyTo(comment)}
      onDeleted={() => removed(comment.id)}
    />
  );

  return (
    <section class="comments" aria-label="Comments">
      <FormError message={list.error} />
      {comments.length === 0 && !list.busy && <p class="empty">No comments yet.</p>}
      <ul role="list" class="comment-list">
        {threads(comments).map(({ comment, replies }) => (
          <li key={comment.id}>
            {item(comment, comment)}
            {replies.length > 0 && (
              <ul role="list" class="comment-list replies" aria-label={`Replies to ${comment.author.username}`}>
                {replies.map((reply) => (
                  <li key={reply.id}>{item(reply, comment)}</li>
                ))}
              </ul>
            )}
            {replyTo && (replyTo.id === comment.id || replies.some((r) => r.id === replyTo.id)) && (
              <div class="replies">
                <CommentForm
                  key={replyTo.id}
                  label={`Your reply to ${replyTo.author.username}`}
                  submit="Reply"
                  onSend={async (text) => {
                    await send(text, replyTo.id);
                    closeReply(replyTo);
                  }}
                  onCancel={() => closeReply(replyTo)}
                />
              </div>
            )}
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" class="link" disabled={list.busy} onClick={() => void load(cursor)}>
          More comments
        </button>
      )}
      <CommentForm label="Write a comment" submit="Comment" onSend={(text) => send(text)} />
    </section>
  );
}
