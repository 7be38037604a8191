import { oauthErrors } from './errors.js';

/**
 * Where a sign-in may send the browser back to: URLs on an allowed origin only (no open redirect).
 * The result is the URL as parsed, so what is stored is what was checked.
 */
export function allowedRedirect(redirect: string, allowedOrigins: ReadonlySet<string>): string {
  let url: URL;
  try {
    url = new URL(redirect);
  } catch {
    throw oauthErrors.redirectNotAllowed();
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username !== '' || url.password !== '' || !allowedOrigins.has(url.origin)) {
    throw oauthErrors.redirectNotAllowed();
  }
  return url.href;
}

/** The redirect with these query parameters added (replacing any of the same name). */
export function redirectWith(redirect: string, params: Record<string, string>): string {
  const url = new URL(redirect);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}
