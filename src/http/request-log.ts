import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { problemCodeOf } from './problem.js';

/**
 * Fastify's request log with a fuller last line: once the answer has gone, "request completed"
 * holds the request again (method and URL, through the serializer that takes credentials out of
 * it; log-redaction.ts), the status and time taken, the signed-in user (`userId`, when there is
 * one) and, for an error, the problem's `code`, so that one line says who got which error where.
 */
export class RequestLog extends LogController {
  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const userId = request.principal?.userId;
    const code = problemCodeOf(reply);
    const fields = {
      req: request,
      res: reply,
      responseTime: reply.elapsedTime,
      ...(userId !== undefined ? { userId } : {}),
      ...(code !== undefined ? { code } : {}),
    };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
