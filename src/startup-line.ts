import type { Config } from './config.js';

/**
 * The line a server logs once it listens: where to read the API reference, where mail goes in
 * development, and which database it uses (a file path, or PostgreSQL's host and database, never
 * credentials). `listening` is the URL Fastify reports; a wildcard address becomes `localhost`,
 * which a browser on this machine can open.
 */
export function startupLine(config: Pick<Config, 'nodeEnv' | 'docsEnabled'>, listening: string, database: string): { msg: string; fields: Record<string, string> } {
  const url = new URL(listening);
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
  const base = url.origin;
  const fields: Record<string, string> = {};
  const parts: string[] = [];
  if (config.docsEnabled) {
    fields.docs = `${base}/docs`;
    parts.push(`API reference at ${fields.docs}`);
  }
  if (config.nodeEnv !== 'production') {
    fields.outbox = `${base}/dev/outbox`;
    parts.push(`development outbox at ${fields.outbox}`);
  }
  fields.database = database;
  parts.push(`database: ${database}`);
  return { msg: `Ready: ${parts.join('; ')}`, fields };
}
