import { useState } from 'preact/hooks';
import { client } from '../../api.js';
import { me } from '../../state/session.js';
import { FormError } from '../common/Field.js';
import { useTask } from '../common/useTask.js';

type GroupAdds = 'everyone' | 'friends';

const CHOICES: Array<{ value: GroupAdds; label: string }> = [
  { value: 'everyone', label: 'Everyone' },
  { value: 'friends', label: 'Only my friends' },
];

/** Who may put me in a group chat without asking (people I block never may). */
export function PrivacyPanel() {
  const user = me.value;
  const { busy, error, run } = useTask();
  const [saved, setSaved] = useState(false);
  // Shown at once when picked, so the radio does not jump back while the server answers.
  const [picked, setPicked] = useState<GroupAdds>();
  if (!user) return null;
  const current = picked ?? user.groupAdds;

  const choose = async (groupAdds: GroupAdds) => {
    setSaved(false);
    setPicked(groupAdds);
    const ok = await run(async () => {
      me.value = await client.unwrap(client.api.PATCH('/api/v1/users/me', { body: { groupAdds } }));
    });
    setPicked(undefined);
    setSaved(ok);
  };

  return (
    <section class="panel" aria-labelledby="privacy-title">
      <h2 id="privacy-title">Privacy</h2>
      <FormError message={error} />
      <fieldset class="choices" aria-busy={busy}>
        <legend>Who may add me to groups</legend>
        {CHOICES.map((choice) => (
          <label key={choice.value}>
            <input type="radio" name="groupAdds" value={choice.value} checked={current === choice.value} onChange={() => void choose(choice.value)} /> {choice.label}
          </label>
        ))}
      </fieldset>
      {saved && <p role="status">Saved</p>}
    </section>
  );
}
