import type PinoPretty from 'pino-pretty';
import type { Config } from '../config.js';

/**
 * Whether the log is written for a person: `LOG_FORMAT=pretty`, or `auto` in development on a
 * terminal (`npm run dev`). Everywhere else, and always in production, the log is JSON lines.
 */
export function wantsPrettyLogs(config: Pick<Config, 'logFormat' | 'nodeEnv'>, isTerminal = process.stdout.isTTY === true): boolean {
  if (config.nodeEnv === 'production') return false;
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && config.nodeEnv === 'development' && isTerminal);
}

interface RequestFields {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  userId?: number;
  code?: string;
}

/**
 * One line per entry: time, level, message, and for a request its method and URL, and once
 * answered its status, time, user and problem code (`request completed GET /api/v1/users/me →
 * 200 2.4 ms user 7`). Other fields follow on their own lines, as pino-pretty prints them.
 */
function requestLine(log: Record<string, unknown>, messageKey: string): string {
  const { req, res, responseTime, userId, code } = log as RequestFields;
  const message = log[messageKey];
  const parts = [typeof message === 'string' ? message : JSON.stringify(message ?? '')];
  if (req) parts.push(`${req.method ?? ''} ${req.url ?? ''}`);
  if (res) parts.push(`→ ${res.statusCode ?? ''}`);
  if (typeof responseTime === 'number') parts.push(`${responseTime.toFixed(1)} ms`);
  if (userId !== undefined) parts.push(`user ${userId}`);
  if (code !== undefined) parts.push(code);
  return parts.join(' ');
}

/**
 * pino-pretty as the logger's stream, in this process, after the redaction of each line. It is a
 * development dependency: loaded only when asked for, and never in production.
 */
export async function prettyLogStream(): Promise<PinoPretty.PrettyStream> {
  let pretty: typeof PinoPretty;
  try {
    pretty = (await import('pino-pretty')).default;
  } catch {
    throw new Error('LOG_FORMAT=pretty needs the development dependencies (npm install); use LOG_FORMAT=json');
  }
  return pretty({
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // What the message line already says; the start-up line's fields are in its message too.
    ignore: 'pid,hostname,reqId,req,res,responseTime,userId,code,docs,outbox,database',
    messageFormat: requestLine,
  });
}
