import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { sendProblem } from './problem.js';
import { problems } from './schemas.js';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

async function run(check: ReadinessCheck): Promise<'ok' | 'unreachable'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

const ChecksSchema = Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('unreachable')]));

/** Liveness (`/health`: the process answers) and readiness (`/ready`: its dependencies answer). */
export function registerOpsRoutes(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getHealth',
        summary: 'Liveness: the process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        summary: 'Readiness: the database (and Redis, when configured) answer',
        response: {
          200: Type.Object({ status: Type.Literal('ok'), checks: ChecksSchema }),
          ...problems('not_ready'),
        },
      },
    },
    async (request, reply) => {
      const results = await Promise.all(checks.map(async (c) => [c.name, await run(c)] as const));
      const byName = Object.fromEntries(results);
      if (results.some(([, r]) => r !== 'ok')) {
        const down = results.filter(([, r]) => r !== 'ok').map(([n]) => n);
        return sendProblem(request, reply, {
          status: 503,
          code: 'not_ready',
          detail: `Not ready: ${down.join(', ')} unreachable`,
          checks: byName,
        });
      }
      return { status: 'ok' as const, checks: byName };
    },
  );
}
