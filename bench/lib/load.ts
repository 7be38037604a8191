import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Sent as is with every request, e.g. a multipart body built once. */
  body?: string | Buffer;
  /**
   * Headers for each connection, on top of `headers`: connection i gets entry i mod n (e.g. one
   * account per connection, so that connections do not contend for one user's rows).
   */
  connectionHeaders?: Record<string, string>[];
  /** A sequence each connection cycles through (paths, bodies); the fields above are defaults. */
  requests?: autocannon.Request[];
  /** Replace `[<id>]` in bodies with a fresh id per request (e.g. a unique clientId). */
  idReplacement?: boolean;
  connections: number;
  /** Requests per second across all connections; as fast as answers come when absent. */
  overallRate?: number;
  /** Run the load in this many worker threads, so it does not share an event loop with another load (requests must then be plain data). */
  workers?: number;
  pipelining?: number;
  durationSeconds: number;
  /** Load applied first and thrown away, so JIT, caches and connection set-up are not measured. */
  warmupSeconds?: number;
}

/** One measurement: autocannon's per-second request samples and its latency histogram. */
export interface LoadResult {
  /** Mean of the per-second request counts (autocannon's `requests.average`). */
  requestsPerSecondMean: number;
  /** Median per-second request count (`requests.p50`). */
  requestsPerSecondMedian: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationSeconds: number;
}

function fire(options: LoadOptions, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    // Only when given: autocannon spreads its defaults under these options, so an undefined would win.
    ...(options.requests ? { requests: options.requests } : {}),
    ...(options.idReplacement ? { idReplacement: true } : {}),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.connectionHeaders ? { setupClient: perConnection(options.headers ?? {}, options.connectionHeaders) } : {}),
    connections: options.connections,
    pipelining: options.pipelining ?? 1,
    duration: durationSeconds,
  });
}

/** autocannon's setupClient: gives each new connection the next entry of `list`, merged over `base`. */
function perConnection(base: Record<string, string>, list: Record<string, string>[]): (client: autocannon.Client) => void {
  if (list.length === 0) throw new Error('connectionHeaders is empty');
  let next = 0;
  return (client) => client.setHeaders({ ...base, ...list[next++ % list.length] });
}

/**
 * Runs autocannon in this process against a running server. Throws when any response was not 2xx
 * or any connection failed: a fast error page is not a result.
 */
export async function measureLoad(name: string, options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds) {
    const warm = await fire(options, options.warmupSeconds);
    assertClean(`${name} (warm-up)`, warm);
  }
  const result = await fire(options, options.durationSeconds);
  assertClean(name, result);
  return {
    requestsPerSecondMean: result.requests.average,
    requestsPerSecondMedian: result.requests.p50,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  };
}

function assertClean(name: string, result: autocannon.Result): void {
  if (result.non2xx === 0 && result.errors === 0 && result.requests.total > 0) return;
  const codes = Object.entries(result.statusCodeStats ?? {})
    .map(([code, stat]) => `${code}: ${stat.count ?? 0}`)
    .join(', ');
  throw new Error(
    `${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors (${result.timeouts} timeouts) ` +
      `of ${result.requests.total} requests; status codes ${codes || 'none'}`,
  );
}
