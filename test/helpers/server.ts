import { buildApp, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestEnvironment, type TestEnvironment } from './environment.js';

export interface TestServer {
  url: string;
  app: App;
  environment: TestEnvironment;
  /** fetch against the server; `path` starts with `/`. `json` sends a JSON body. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Stops the server; the database and DATA_DIR go too unless `keepEnvironment`. */
  close(options?: { keepEnvironment?: boolean }): Promise<void>;
}

export interface TestServerOptions extends BuildOptions {
  env?: Record<string, string>;
  /** Run on the database and DATA_DIR of an earlier server (closed with keepEnvironment). */
  environment?: TestEnvironment;
}

/** Builds the app on a fresh database, listens on an ephemeral port, and tears it all down. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const environment = options.environment ?? (await createTestEnvironment(options.env));
  const env = { ...environment.env, ...(options.environment ? options.env : {}) };
  let app: App;
  try {
    app = await buildApp(loadConfig(env), { configureHttp: options.configureHttp, clock: options.clock, extraModules: options.extraModules });
  } catch (error) {
    if (!options.environment) await environment.cleanup();
    throw error;
  }
  const url = await app.listen();
  return {
    url,
    app,
    environment,
    request: (path, init = {}) => {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    close: async ({ keepEnvironment = false } = {}) => {
      await app.close();
      if (!keepEnvironment) await environment.cleanup();
    },
  };
}

/** A clock tests can move forward. */
export class TestClock {
  constructor(private current = Date.now()) {}
  now = () => this.current;
  advance(ms: number) {
    this.current += ms;
  }
}
