import type { Config } from './config.js';
import { isLoopback } from './http/loopback.js';

/** Settings that are fine on a laptop and dangerous on a server, as one log line each. */
export function startupWarnings(config: Pick<Config, 'nodeEnv' | 'host' | 'metricsToken'>): string[] {
  const warnings: string[] = [];
  if (config.nodeEnv !== 'production' && !isLoopback(config.host)) {
    warnings.push(
      `NODE_ENV is ${config.nodeEnv} and HOST is ${config.host}: this development server is reachable from other machines. ` +
        'Set HOST=127.0.0.1 to keep it on this one, or NODE_ENV=production for a server others use.',
    );
  }
  if (config.nodeEnv === 'production' && !config.metricsToken) {
    warnings.push('METRICS_TOKEN is unset: anyone who can reach this server can read /metrics. Set METRICS_TOKEN, or block /metrics at the proxy.');
  }
  return warnings;
}
