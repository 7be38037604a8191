import { useEffect, useState } from 'preact/hooks';
import { client } from '../../api.js';
import { forgetSession } from '../../state/session.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';
import { deviceName } from './deviceName.js';

type Session = Awaited<ReturnType<typeof loadSessions>>[number];

const loadSessions = async () => (await client.unwrap(client.api.GET('/api/v1/auth/sessions'))).items;

/** Where this account is signed in: end one, or all of them at once. */
export function SessionsPanel() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const { busy, error, run } = useTask();
  const refresh = () => run(async () => setSessions(await loadSessions()));
  useEffect(() => {
    void refresh();
  }, []);

  const end = (id: number) =>
    run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id } } }));
      setSessions(await loadSessions());
    });
  const endAll = () =>
    run(async () => {
      await client.logoutEverywhere();
      await forgetSession();
    });

  return (
    <section class="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions and devices</h2>
      <FormError message={error} />
      {sessions === null ? (
        <p role="status">Loading…</p>
      ) : (
        <ul role="list" class="settings-list" aria-label="Sessions">
          {sessions.map((session) => (
            <li key={session.id} class="settings-row">
              <span class="grow">
                <strong>{deviceName(session.userAgent)}</strong>
                {session.current && <span class="tag">This browser</span>}
                <small>
                  {session.ip ?? 'Unknown address'} · active {shortTime(session.lastUsedAt)} · since {shortTime(session.createdAt)}
                </small>
              </span>
              {!session.current && (
                <button type="button" disabled={busy} onClick={() => void end(session.id)} aria-label={`End the session on ${deviceName(session.userAgent)}, active ${shortTime(session.lastUsedAt)}`}>
                  End
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <div class="actions-row">
        <button type="button" class="danger" disabled={busy} onClick={() => void endAll()}>
          Log out everywhere
        </button>
        <small class="hint">Ends every session, this one too, and revokes every access token.</small>
      </div>
    </section>
  );
}
