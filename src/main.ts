import { run } from './run.js';

// Process entry: read config, build the app, listen, shut down gracefully on SIGTERM/SIGINT.
await run();
