import { useEffect, useState } from 'preact/hooks';
import { client } from '../../api.js';
import { FormError } from '../common/Field.js';
import { shortTime } from '../common/format.js';
import { useTask } from '../common/useTask.js';
import { deviceName } from './deviceName.js';

type TrustedDevice = Awaited<ReturnType<typeof loadDevices>>[number];

const loadDevices = async () => (await client.unwrap(client.api.GET('/api/v1/auth/trusted-devices'))).items;

/** The browsers and apps that skip the second step at sign-in: forget one and it asks again. */
export function TrustedDevicesPanel() {
  const [devices, setDevices] = useState<TrustedDevice[] | null>(null);
  const { busy, error, run } = useTask();
  useEffect(() => {
    void run(async () => setDevices(await loadDevices()));
  }, []);

  const forget = (id: number) =>
    run(async () => {
      await client.unwrap(client.api.DELETE('/api/v1/auth/trusted-devices/{id}', { params: { path: { id } } }));
      setDevices(await loadDevices());
    });

  return (
    <section class="panel" aria-labelledby="trusted-devices-title">
      <h2 id="trusted-devices-title">Trusted devices</h2>
      <p class="hint">Signing in on these skips the second step for 30 days after you chose to trust them.</p>
      <FormError message={error} />
      {devices === null && !error && <p role="status">Loading…</p>}
      {devices !== null && devices.length === 0 && <p class="empty">No trusted devices.</p>}
      {devices !== null && devices.length > 0 && (
        <ul role="list" class="settings-list" aria-label="Trusted devices">
          {devices.map((device) => (
            <li key={device.id} class="settings-row">
              <span class="grow">
                <strong>{deviceName(device.userAgent)}</strong>
                <small>
                  {device.ip ?? 'Unknown address'} · used {shortTime(device.lastUsedAt)} · trusted until {shortTime(device.expiresAt)}
                </small>
              </span>
              <button type="button" disabled={busy} onClick={() => void forget(device.id)} aria-label={`Forget ${deviceName(device.userAgent)}, trusted since ${shortTime(device.createdAt)}`}>
                Forget
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
