import { registerDevRoutes } from '../http/dev-routes.js';
import { Housekeeping } from '../services/housekeeping.js';
import { HousekeepingRepository } from '../store/housekeeping-repository.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';
import type { SyncModule } from './sync.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Housekeeping (expired sessions, spent tokens, old outbox mail, sync events past their retention) and, outside production, the dev outbox. */
export function operationsModule(infra: Infrastructure, { sync }: { sync: SyncModule }) {
  const { config, database, clock, log, outbox } = infra;
  const housekeeping = new Housekeeping(
    new HousekeepingRepository(database.db, { syncLog: sync.repository, syncRetentionMs: config.sync.retentionDays * DAY_MS }),
    clock,
    (deleted) => log.debug({ deleted }, 'housekeeping'),
    (error) => log.error({ err: error }, 'housekeeping failed'),
  );
  const module: Module = {
    name: 'operations',
    routes: {
      prefix: '/dev',
      plugin: (scope) => {
        if (config.nodeEnv !== 'production') registerDevRoutes(scope, { outbox, openToAll: config.devOutboxEnabled });
      },
    },
    start: () => {
      housekeeping.start();
      infra.onClose(() => housekeeping.stop());
    },
  };
  return { module, housekeeping };
}
