import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { client, problemText } from '../../api.js';
import { refreshChat } from '../../state/chats.js';
import { displayName, friends, loadPeople } from '../../state/people.js';
import { Avatar } from '../common/Avatar.js';
import { Field, FormError } from '../common/Field.js';
import { formOf, formText } from '../common/forms.js';

/** A direct chat with one friend, or a named group of several. A modal dialog: Escape closes it. */
export function NewChat({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { route } = useLocation();
  const [picked, setPicked] = useState<number[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => {
    dialog.current?.showModal();
    void loadPeople().catch(() => undefined);
  }, []);

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const name = formText(formOf(event), 'name').trim();
    setError(undefined);
    try {
      const body = picked.length === 1 && name === '' ? { type: 'direct' as const, memberIds: picked } : { type: 'group' as const, name: name || 'New group', memberIds: picked };
      const chat = await client.unwrap(client.api.POST('/api/v1/chats', { body }));
      await refreshChat(chat.id);
      onClose();
      route(`/chats/${chat.id}`);
    } catch (caught) {
      setError(problemText(caught));
    }
  };

  return (
    <dialog ref={dialog} class="dialog" onClose={onClose} aria-labelledby="new-chat-title">
      <form onSubmit={create}>
        <h2 id="new-chat-title">New chat</h2>
        <FormError message={error} />
        {friends.value.length === 0 ? (
          <p>
            Chats start with friends. <a href="/people">Find people</a>
          </p>
        ) : (
          <fieldset class="pick">
            <legend>With</legend>
            {friends.value.map((friend) => (
              <label key={friend.id} class="person-row">
                <input type="checkbox" checked={picked.includes(friend.id)} onChange={(e) => setPicked((e.currentTarget).checked ? [...picked, friend.id] : picked.filter((id) => id !== friend.id))} />
                <Avatar person={friend} size={32} online={friend.isOnline} />
                <span>{displayName(friend)}</span>
              </label>
            ))}
          </fieldset>
        )}
        <Field label="Group name (for a group)" name="name" maxLength={100} />
        <div class="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={picked.length === 0}>
            {picked.length > 1 ? 'Create group' : 'Start chat'}
          </button>
        </div>
      </form>
    </dialog>
  );
}
