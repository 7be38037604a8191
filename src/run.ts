import fs from 'node:fs';
import closeWithGrace from 'close-with-grace';
import { buildApp, type BuildOptions } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { startupLine } from './startup-line.js';
import { startupWarnings } from './startup-warnings.js';

/** Loads `.env` when present; real environment variables win. */
function loadDotEnv(): void {
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
}

/** Starts the server process and arranges a graceful shutdown on SIGTERM and SIGINT. */
export async function run(options: BuildOptions = {}): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let app;
  try {
    app = await buildApp(config, options);
  } catch (error) {
    process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const { http } = app;

  closeWithGrace({ delay: config.shutdownTimeoutMs }, async ({ signal, err }) => {
    if (err) http.log.error({ err }, 'shutting down after an uncaught error');
    else http.log.info({ signal }, 'shutting down');
    await app.close();
  });

  for (const warning of startupWarnings(config)) http.log.warn(warning);
  let listening: string;
  try {
    listening = await app.listen();
  } catch (error) {
    process.stderr.write(`Could not listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}\n`);
    await app.close();
    process.exit(1);
  }
  const { msg, fields } = startupLine(config, listening, app.database.location);
  http.log.info(fields, msg);
}
