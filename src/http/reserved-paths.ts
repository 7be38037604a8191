/**
 * The first path segments this server's own routes use: the canonical API, files, docs,
 * operations and the dialects. A dialect served at the root may not take them, and the web
 * client's page never answers for them.
 */
export const RESERVED_ROOTS = ['api/v1', 'files', 'health', 'ready', 'metrics', 'openapi.json', 'asyncapi.json', 'docs', 'dev', 'compat'] as const;
