import type { FastifyReply } from 'fastify';

/** HTTP-only: the browser sends it, scripts cannot read it. */
export const SESSION_COOKIE = 'msg_session';
/** Readable by the page's scripts, which echo it in X-CSRF-Token. */
export const CSRF_COOKIE = 'msg_csrf';
/** HTTP-only: a browser that passed the second factor and asked to be trusted skips it at login. */
export const TRUSTED_DEVICE_COOKIE = 'msg_trusted_device';

export function setSessionCookies(reply: FastifyReply, options: { secret: string; csrfToken: string; expiresAt: number; secure: boolean; now: number }) {
  const maxAge = Math.max(0, Math.floor((options.expiresAt - options.now) / 1000));
  const common = { path: '/', sameSite: 'lax' as const, secure: options.secure, maxAge };
  reply.setCookie(SESSION_COOKIE, options.secret, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, options.csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, secure: boolean) {
  for (const name of [SESSION_COOKIE, CSRF_COOKIE]) reply.clearCookie(name, { path: '/', sameSite: 'lax', secure });
}
