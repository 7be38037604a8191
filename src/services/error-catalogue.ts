import { ERROR_CODES, type ErrorCode } from './error-codes.js';

const rows = (wanted: (entry: (typeof ERROR_CODES)[ErrorCode]) => boolean) =>
  (Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>)
    .filter(([, entry]) => wanted(entry))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, entry]) => `| \`${code}\` | ${entry.statuses.join(', ')} | ${entry.meaning} |`)
    .join('\n');

/** Every code in two Markdown tables (HTTP problems, then WebSocket-only codes): for ERRORS.md and the API reference. */
export function errorCodeTables(): string {
  return `| code | HTTP status | meaning |
| --- | --- | --- |
${rows((entry) => entry.statuses.length > 0)}

Only in WebSocket error frames:

| code | HTTP status | meaning |
| --- | --- | --- |
${rows((entry) => entry.statuses.length === 0)}
`;
}

/** `docs/ERRORS.md`, as the registry says it: regenerate with `npm run docs:errors`. */
export function errorCatalogueMarkdown(): string {
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

${errorCodeTables()}`;
}
