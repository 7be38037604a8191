import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { client } from '../../api.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';

type Liker = Post['author'];

/** Who liked a post, newest first and page by page, each a link to their page. A modal dialog: Escape closes it. */
export function LikersDialog({ postId, onClose }: { postId: number; onClose: () => void }) {
  const titleId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [likers, setLikers] = useState<Liker[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const { busy, error, run } = useTask();

  const load = (from?: string) =>
    run(async () => {
      const page = await client.unwrap(client.api.GET('/api/v1/posts/{id}/likes', { params: { path: { id: postId }, query: { limit: 20, ...(from ? { cursor: from } : {}) } } }));
      setLikers((shown) => [...shown, ...page.items.map((like) => like.user).filter((user) => !shown.some((s) => s.id === user.id))]);
      setCursor(page.nextCursor);
      setLoaded(true);
    });
  useEffect(() => {
    dialog.current?.showModal();
    void load();
  }, []);

  return (
    <dialog ref={dialog} class="dialog" onClose={onClose} aria-labelledby={titleId}>
      <div class="dialog-body">
        <h2 id={titleId}>Liked by</h2>
        <FormError message={error} />
        {!loaded && busy && <p role="status">Loading…</p>}
        {loaded && likers.length === 0 && <p class="empty">No likes now.</p>}
        <ul role="list" class="people-list likers">
          {likers.map((user) => (
            <li key={user.id}>
              <a href={`/users/${user.id}`} class="person-row" onClick={() => dialog.current?.close()}>
                <Avatar person={user} size={32} />
                <span class="person-name">{user.username}</span>
              </a>
            </li>
          ))}
        </ul>
        {cursor && (
          <button type="button" class="link" disabled={busy} onClick={() => void load(cursor)}>
            {busy ? 'Loading…' : 'More'}
          </button>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </div>
    </dialog>
  );
}
