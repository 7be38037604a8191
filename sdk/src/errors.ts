/** A problem+json answer (RFC 9457) as the server sends it; `code` is stable (docs/ERRORS.md). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  instance?: string;
  requestId?: string;
  [key: string]: unknown;
}

/** An answer that was not a success, thrown by the SDK's own methods (the typed `api` calls return it instead). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? problem.code);
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
  }
}

/** The session ended (logged out elsewhere, refresh refused): sign in again. */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
  constructor(readonly code: string) {
    super(`The session ended (${code}); sign in again`);
  }
}

/** A realtime send the server refused (an `error` frame with the send's clientId), or that could not be made. */
export class RealtimeError extends Error {
  override readonly name = 'RealtimeError';
  constructor(
    readonly code: string,
    message: string,
    readonly clientId?: string,
  ) {
    super(message);
  }
}

/** Turns any error answer into a Problem, whatever its body (a proxy's HTML page, nothing at all). */
export function problemOf(status: number, body: unknown): Problem {
  if (typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string') {
    return { ...(body as Problem), status };
  }
  return { status, code: status === 401 ? 'unauthorized' : 'http_error', title: typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${status}` };
}

/** The problem `code` of a response, read from a clone so the response stays readable. */
export async function problemCodeOf(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.clone().json()) as { code?: unknown };
    return typeof body.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}
