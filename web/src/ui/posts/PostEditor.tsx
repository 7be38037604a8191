import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { Post } from '@messenger/sdk';
import { client } from '../../api.js';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';

interface Props {
  post: Post;
  onSaved: (post: Post) => void;
  onCancel: () => void;
}

/**
 * My post's text and who may see it, changed in place; Escape or Cancel leaves it as it was. The
 * photos stay as they are: the API changes only text and visibility.
 */
export function PostEditor({ post, onSaved, onCancel }: Props) {
  const textId = useId();
  const visibilityId = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState(post.text);
  const [visibility, setVisibility] = useState(post.visibility);
  const { busy, error, run } = useTask();
  useEffect(() => field.current?.focus(), []);

  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    await run(async () => onSaved(await client.unwrap(client.api.PATCH('/api/v1/posts/{id}', { params: { path: { id: post.id } }, body: { text: text.trim(), visibility } }))));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onCancel();
  };
  // A post needs text or photos; only the text can change here.
  const empty = text.trim() === '' && post.images.length === 0;

  return (
    <form class="post-editor" onSubmit={onSubmit} onKeyDown={onKeyDown} aria-label="Edit post">
      <label for={textId} class="visually-hidden">
        Text of the post
      </label>
      <textarea ref={field} id={textId} rows={3} value={text} readOnly={busy} onInput={(e) => setText(e.currentTarget.value)} maxLength={5000} />
      <FormError message={error} />
      <div class="composer-tools">
        <div class="field inline">
          <label for={visibilityId}>Who can see it</label>
          <select id={visibilityId} value={visibility} disabled={busy} onChange={(e) => setVisibility(e.currentTarget.value as Post['visibility'])}>
            <option value="public">Everyone</option>
            <option value="friends">Friends</option>
          </select>
        </div>
        <div class="row">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || empty}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </div>
    </form>
  );
}
