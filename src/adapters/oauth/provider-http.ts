import { ProviderError } from './provider.js';

// A provider's JSON answers are small; anything bigger is not what we asked for.
const MAX_ANSWER_BYTES = 1024 * 1024;

export type Json = Record<string, unknown>;

/**
 * Calls a provider endpoint and reads its JSON answer within `timeoutMs`. A network failure, a
 * timeout, a 5xx or an answer that is not JSON is `unavailable`; other statuses come back with
 * their body for the caller to judge.
 */
export async function callProvider(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ProviderError('unavailable', `${new URL(url).host} did not answer`, { cause: error });
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new ProviderError('unavailable', `${new URL(url).host} did not finish its answer`, { cause: error });
  }
  if (response.status >= 500) throw new ProviderError('unavailable', `${new URL(url).host} answered ${response.status}`);
  if (text.length > MAX_ANSWER_BYTES) throw new ProviderError('unavailable', `${new URL(url).host} answered too much`);
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch (error) {
    throw new ProviderError('unavailable', `${new URL(url).host} answered ${response.status} without JSON`, { cause: error });
  }
}

/** A token endpoint's answer: the access token, or `code_rejected` for an OAuth error (RFC 6749 §5.2). */
export function accessTokenOf(answer: { status: number; body: unknown }, host: string): string {
  const body = isObject(answer.body) ? answer.body : {};
  if (typeof body.access_token === 'string' && body.access_token !== '' && answer.status === 200) return body.access_token;
  const error = typeof body.error === 'string' ? body.error : undefined;
  if (error !== undefined && answer.status < 500) throw new ProviderError('code_rejected', `${host} refused the code: ${error.slice(0, 100)}`);
  throw new ProviderError('unavailable', `${host} answered ${answer.status} without an access token`);
}

/** A profile endpoint's answer, which must be a 200 with a JSON object. */
export function objectOf(answer: { status: number; body: unknown }, host: string): Json {
  if (answer.status !== 200 || !isObject(answer.body)) throw new ProviderError('unavailable', `${host} answered ${answer.status} to a profile request`);
  return answer.body;
}

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const stringOr = <T>(value: unknown, fallback: T): string | T => (typeof value === 'string' && value !== '' ? value : fallback);

/** The provider's id for an account: a string or a number on the wire. */
export function subjectOf(value: unknown, host: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value !== '' && value.length <= 255) return value;
  throw new ProviderError('unavailable', `${host} gave no account id`);
}

/** A form body, as OAuth token endpoints take it. */
export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
