/** One JSON request to the server under test, for setting up a scenario (not for measuring). */
export async function requestJson<T>(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string>; expect: number },
): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const response = await fetch(url, {
    method,
    headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== options.expect) {
    throw new Error(`${method} ${new URL(url).pathname}: expected ${options.expect}, got ${response.status}: ${text.slice(0, 500)}`);
  }
  return (text ? JSON.parse(text) : undefined) as T;
}
