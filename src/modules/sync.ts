import { registerSyncRoutes } from '../http/sync-routes.js';
import { SyncRecorder } from '../services/sync/sync-recorder.js';
import { SyncService } from '../services/sync/sync-service.js';
import { SyncLogRepository } from '../store/sync-log-repository.js';
import type { RealtimeEvent } from '../realtime/events.js';
import type { AccountsModule } from './accounts.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/**
 * Sync: every event but typing and presence is recorded before it goes out (one append per batch),
 * and `GET /api/v1/sync` and the socket's `?since=` replay them to a client that was away.
 * Housekeeping prunes what is older than `SYNC_RETENTION_DAYS`.
 */
export function syncModule(infra: Infrastructure, { accounts }: { accounts: AccountsModule }) {
  const { config, database, delivery, clock, log, links } = infra;
  const repository = new SyncLogRepository(database.db);
  if (config.sync.enabled) {
    delivery.recordWith(
      new SyncRecorder({
        writer: database.syncLogWriter,
        deliver: (batch) => delivery.deliver(batch.map(({ to, event, position }) => (position === undefined ? { to, event: event as RealtimeEvent } : { to, event: event as RealtimeEvent, position }))),
        clock,
        onError: (error) => log.error({ err: error }, 'recording events for sync failed'),
      }),
    );
  }
  const sync = new SyncService({ log: repository, enabled: config.sync.enabled });
  const module: Module = {
    name: 'sync',
    routes: accounts.signedInRoutes('/api/v1', (scope) => registerSyncRoutes(scope, { sync, links })),
  };
  return { module, sync, repository };
}

export type SyncModule = ReturnType<typeof syncModule>;
