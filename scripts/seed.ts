import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { DEMO_PASSWORD, DEMO_PEOPLE, seedDemo } from './demo-data.js';

/**
 * `npm run seed`: fills the development database the server uses (the same environment as
 * `npm start`: DATA_DIR, or DATABASE_URL) with demo people, friendships, chats and posts, through
 * the public API of an in-process server on a free local port. Refused in production.
 */
const config = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn' });
if (config.nodeEnv === 'production') {
  process.stderr.write('npm run seed fills a development database; NODE_ENV is production, so nothing was done.\n');
  process.exit(1);
}
const app = await buildApp(config);
try {
  const url = await app.listen();
  const { created } = await seedDemo(url);
  const where = config.database.url ? 'the PostgreSQL database' : `the SQLite database in ${config.dataDir}`;
  process.stdout.write(
    `${created ? 'Demo data written to' : 'The demo data was already in'} ${where}.\n` +
      `Start the server (npm start), open http://localhost:${process.env.PORT ?? 8000}/ and sign in as any of:\n` +
      DEMO_PEOPLE.map((p) => `  ${p.username.padEnd(6)} ${p.firstName} ${p.lastName}`).join('\n') +
      `\nwith the password ${DEMO_PASSWORD}\n`,
  );
} finally {
  await app.close();
}
