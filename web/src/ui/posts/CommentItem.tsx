import type { PostComment } from '@messenger/sdk';
import { client } from '../../api.js';
import { Avatar } from '../common/Avatar.js';
import { ConfirmDelete } from '../common/ConfirmDelete.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';

interface Props {
  comment: PostComment;
  /** The comment this one answers, when that is not the first of its thread (whose replies sit under it anyway). */
  answers?: PostComment | undefined;
  /** Mine, or on my post: the server lets me delete it. */
  canDelete: boolean;
  onReply: () => void;
  onDeleted: () => void;
}

/** One comment: who and when, the text, and Reply; Delete when I may, after saying so twice. */
export function CommentItem({ comment, answers, canDelete, onReply, onDeleted }: Props) {
  const { busy, error, run } = useTask();
  const who = comment.author.username;

  const remove = () =>
    run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/posts/{postId}/comments/{id}', { params: { path: { postId: comment.postId, id: comment.id } } }));
      onDeleted();
    });

  return (
    <article class="comment" aria-label={`Comment by ${who}`}>
      <Avatar person={comment.author} size={28} />
      <div class="comment-body">
        <a href={`/users/${comment.author.id}`}>{who}</a> <small>{shortTime(comment.createdAt)}</small>
        {answers && <small class="answers"> · to @{answers.author.username}</small>}
        <p>{comment.text}</p>
        <div class="comment-actions">
          <button type="button" class="link" id={`reply-to-${comment.id}`} aria-label={`Reply to ${who}`} onClick={onReply}>
            Reply
          </button>
          {canDelete && <ConfirmDelete what="comment" label="Delete" ariaLabel={`Delete comment by ${who}`} busy={busy} onDelete={() => void remove()} />}
        </div>
        <FormError message={error} />
      </div>
    </article>
  );
}
