import type { FastifyRequest } from 'fastify';

/** This API's base URL as the world sees it: `PUBLIC_URL` when set, else the address the request came to. */
export const publicBase = (request: FastifyRequest, publicUrl: string | undefined): string => publicUrl ?? `${request.protocol}://${request.host}`;
