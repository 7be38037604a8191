import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Whether `host` (an address or a host name) is this machine's loopback: 127.0.0.0/8, ::1, or localhost. */
export function isLoopback(host: string): boolean {
  const address = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/^::ffff:/, '');
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

// Headers a reverse proxy adds: with any of them, the loopback peer is the proxy, not the client.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Whether the request comes from a program on this machine, and not through a proxy in front of it. */
export function isLoopbackClient(request: FastifyRequest): boolean {
  return (
    isLoopback(request.ip) &&
    isLoopback(request.socket.remoteAddress ?? '') &&
    !FORWARDING_HEADERS.some((name) => request.headers[name] !== undefined)
  );
}
