import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { Profile } from '@messenger/sdk';
import * as friendship from '../../state/friendship.js';
import { loadPeople } from '../../state/people.js';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';

interface Props {
  profile: Profile;
  /** Reads the profile again, for its new `friendship`. */
  onChanged: () => Promise<void>;
}

/** On a person's page: what I can do about them, by where we stand (the People page's actions). */
export function FriendButtons({ profile, onChanged }: Props) {
  const { route } = useLocation();
  const group = useRef<HTMLDivElement>(null);
  const { busy, error, run } = useTask();
  // The block list tells whether a block is mine to lift.
  useEffect(() => void loadPeople().catch(() => undefined), []);

  // The pressed button may be gone after (Add friend becomes Cancel request): the keyboard stays here.
  const acted = useRef(false);
  useEffect(() => {
    if (!acted.current || busy) return;
    acted.current = false;
    if (!group.current?.contains(document.activeElement)) group.current?.querySelector('button')?.focus();
  }, [busy, profile.friendship]);

  const act = (work: (id: number) => Promise<unknown>) => () =>
    void run(async () => {
      acted.current = true;
      await work(profile.id);
      await onChanged();
    });
  const message = () => void run(async () => route(`/chats/${await friendship.directChat(profile.id)}`));
  const status = profile.friendship;

  return (
    <div ref={group} class="person-actions profile-actions" role="group" aria-label={`You and ${profile.username}`} aria-busy={busy}>
      {status === 'none' && <Button primary label="Add friend" onClick={act(friendship.befriend)} busy={busy} />}
      {status === 'incoming' && <Button primary label="Accept" onClick={act(friendship.befriend)} busy={busy} />}
      {status === 'incoming' && <Button label="Decline" onClick={act(friendship.unfriend)} busy={busy} />}
      {status === 'outgoing' && <Button label="Cancel request" onClick={act(friendship.unfriend)} busy={busy} />}
      {status === 'friends' && <Button label="Remove friend" onClick={act(friendship.unfriend)} busy={busy} />}
      {status !== 'blocked' && <Button primary={status === 'friends'} label="Message" onClick={message} busy={busy} />}
      {status !== 'blocked' && <Button label="Block" onClick={act(friendship.block)} busy={busy} />}
      {status === 'blocked' && friendship.iBlock(profile.id) && <Button label="Unblock" onClick={act(friendship.unblock)} busy={busy} />}
      <FormError message={error} />
    </div>
  );
}

function Button({ label, onClick, busy, primary = false }: { label: string; onClick: () => void; busy: boolean; primary?: boolean }) {
  return (
    <button type="button" class={primary ? 'primary' : undefined} disabled={busy} onClick={onClick}>
      {label}
    </button>
  );
}
