/** The largest body of a method that carries no caller content (`initialize`, lists, `ping`…). */
export const SMALL_BODY_BYTES = 64 * 1024;

/**
 * The methods whose requests carry what the caller wants processed (tool arguments, prompt
 * arguments, completion input), and so may be as large as the configured maximum. Responses
 * the client posts back (sampling, elicitation results) may be as large too. Every other
 * method names a target at most, and gets {@link SMALL_BODY_BYTES}.
 */
const CONTENT_METHODS: ReadonlySet<string> = new Set([
  'tools/call',
  'prompts/get',
  'completion/complete',
  'subscriptions/listen',
]);

/**
 * The body limit of one JSON-RPC method, or of a response (`method` undefined): what the
 * method needs, never more than `maxBodyBytes`.
 */
export function bodyLimitOf(method: string | undefined, maxBodyBytes: number): number {
  if (method === undefined || CONTENT_METHODS.has(method)) return maxBodyBytes;
  return Math.min(SMALL_BODY_BYTES, maxBodyBytes);
}

/**
 * The body limit of a parsed POST body: the largest limit among its messages (a batch may
 * mix methods), so the same rule holds whether the method was named in a header or not.
 */
export function bodyLimitOfBody(body: unknown, maxBodyBytes: number): number {
  const messages = Array.isArray(body) ? body : [body];
  let limit = Math.min(SMALL_BODY_BYTES, maxBodyBytes);
  for (const message of messages) {
    const method = (message as { method?: unknown } | null)?.method;
    limit = Math.max(
      limit,
      bodyLimitOf(typeof method === 'string' ? method : undefined, maxBodyBytes),
    );
    if (limit === maxBodyBytes) break;
  }
  return limit;
}
