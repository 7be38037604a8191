import { useId, useRef, useState } from 'preact/hooks';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { Avatar } from '../common/Avatar.js';
import { FormError } from '../common/Field.js';
import { useObjectUrl } from '../common/useObjectUrl.js';
import { useTask } from '../common/useTask.js';

/** My picture: choose one and see it before saving, or go back to the generated one. */
export function AvatarPanel() {
  const user = me.value;
  const inputId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [chosen, setChosen] = useState<File | null>(null);
  const preview = useObjectUrl(chosen);
  const { busy, error, run } = useTask();
  if (!user) return null;

  const forget = () => {
    setChosen(null);
    if (fileInput.current) fileInput.current.value = '';
  };
  const save = () =>
    run(async () => {
      if (!chosen) return;
      const avatar = await client.setAvatar(chosen);
      if (me.value) me.value = { ...me.value, avatar };
      forget();
    });
  const useGenerated = () =>
    run(async () => {
      const avatar = await client.unwrap(client.api.DELETE('/api/v1/users/me/avatar'));
      if (me.value) me.value = { ...me.value, avatar };
    });

  return (
    <section class="panel" aria-labelledby="avatar-title">
      <h2 id="avatar-title">Picture</h2>
      <FormError message={error} />
      <div class="avatar-editor">
        {preview ? <img class="avatar-preview" src={preview} alt="The picture you chose" width={96} height={96} /> : <Avatar person={user} size={96} />}
        <div class="field">
          <label for={inputId}>Choose a picture</label>
          <input ref={fileInput} id={inputId} type="file" accept="image/png,image/jpeg,image/webp,image/gif" onChange={(e) => setChosen(e.currentTarget.files?.[0] ?? null)} />
          <small class="hint">PNG, JPEG, WebP or GIF up to 5 MB; the middle square is kept.</small>
        </div>
      </div>
      <div class="actions-row">
        {chosen ? (
          <>
            <button type="button" class="primary" disabled={busy} onClick={() => void save()}>
              {busy ? 'Saving…' : 'Save picture'}
            </button>
            <button type="button" onClick={forget}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" disabled={busy || user.avatar.isDefault} onClick={() => void useGenerated()}>
            Use the generated picture
          </button>
        )}
      </div>
    </section>
  );
}
