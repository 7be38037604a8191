import type { PostComment } from '@messenger/sdk';

export interface Thread {
  comment: PostComment;
  /** Every reply in the thread, however deep, oldest first. */
  replies: PostComment[];
}

/**
 * Comments as threads, as people know them from Instagram and Facebook: each top-level comment
 * with the replies to it, and the replies to those, one level under it. A reply whose comment was
 * deleted stands on its own (the server forgets what it answered).
 */
export function threads(comments: PostComment[]): Thread[] {
  const byId = new Map(comments.map((c) => [c.id, c]));
  const rootOf = (comment: PostComment) => {
    let at = comment;
    // Bounded by the number of comments, should ids ever form a loop.
    for (let step = 0; step < comments.length && at.replyToId !== null && byId.has(at.replyToId); step++) at = byId.get(at.replyToId)!;
    return at;
  };
  const result: Thread[] = [];
  const index = new Map<number, Thread>();
  for (const comment of [...comments].sort((a, b) => a.id - b.id)) {
    const root = rootOf(comment);
    const thread = index.get(root.id);
    if (thread && root.id !== comment.id) thread.replies.push(comment);
    else {
      const started = { comment, replies: [] };
      index.set(comment.id, started);
      result.push(started);
    }
  }
  return result;
}
