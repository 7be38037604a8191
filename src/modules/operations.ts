import { registerDevRoutes } from '../http/dev-routes.js';
import { Housekeeping } from '../services/housekeeping.js';
import { HousekeepingRepository } from '../store/housekeeping-repository.js';
import type { Infrastructure } from './infrastructure.js';
import type { Module } from './module.js';

/** Housekeeping (expired sessions, spent tokens, old outbox mail) and, outside production, the dev outbox. */
export function operationsModule(infra: Infrastructure) {
  const { config, database, clock, log, outbox } = infra;
  const housekeeping = new Housekeeping(
    new HousekeepingRepository(database.db),
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
