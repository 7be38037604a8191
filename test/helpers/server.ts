import { buildApp, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestEnvironment, type TestEnvironment } from './environment.js';

export interface TestServer {
  url: string;
  app: App;
  environment: TestEnvironment;
  /** fetch against the server; `path` starts with `/`. */
  request(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/** Builds the app on a fresh database, listens on an ephemeral port, and tears it all down. */
export async function startTestServer(options: { env?: Record<string, string> } & BuildOptions = {}): Promise<TestServer> {
  const environment = await createTestEnvironment(options.env);
  let app: App;
  try {
    app = await buildApp(loadConfig(environment.env), { configureHttp: options.configureHttp });
  } catch (error) {
    await environment.cleanup();
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
    close: async () => {
      await app.close();
      await environment.cleanup();
    },
  };
}
