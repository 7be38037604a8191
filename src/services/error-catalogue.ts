import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** `docs/ERRORS.md`, as the registry says it: regenerate with `npm run docs:errors`. */
export function errorCatalogueMarkdown(): string {
  const entries = Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>;
  const row = ([code, entry]: (typeof entries)[number]) => `| \`${code}\` | ${entry.statuses.join(', ')} | ${entry.meaning} |`;
  const http = entries.filter(([, entry]) => entry.statuses.length > 0).sort(([a], [b]) => a.localeCompare(b));
  const frames = entries.filter(([, entry]) => entry.statuses.length === 0).sort(([a], [b]) => a.localeCompare(b));
  return `# Error codes

_Generated from \`src/services/error-codes.ts\` by \`npm run docs:errors\`; a test fails when this file and the registry differ._

Every error answer is an RFC 9457 problem (\`application/problem+json\`) with a stable \`code\` to branch on,
a \`detail\` that is safe to show, the \`requestId\` to quote when reporting it, and, for bad input,
\`errors: [{field, message}]\`:

\`\`\`json
{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No such post", "instance": "/api/v1/posts/7", "code": "post_not_found", "requestId": "8d6b0c1e-4f0a-4a57-9a53-2f1c0f6e7b21"}
\`\`\`

Over the WebSocket, a frame the server refuses is answered with \`{"type": "error", "code", "message", "clientId"?}\`
carrying the same codes. A code keeps its meaning for good; new codes may be added.

| code | HTTP status | meaning |
| --- | --- | --- |
${http.map(row).join('\n')}

## WebSocket only

| code | HTTP status | meaning |
| --- | --- | --- |
${frames.map(row).join('\n')}
`;
}
