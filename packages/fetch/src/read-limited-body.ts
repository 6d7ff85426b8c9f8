/** What reading a body up to a limit gave: its text and size, or `undefined` when it was larger. */
export type LimitedBody = { text: string; bytes: number } | undefined;

/**
 * Reads a request body up to `maxBytes`, refusing at once a larger `Content-Length` and
 * stopping (cancelling the stream) as soon as the bytes go past the limit.
 */
export async function readLimitedBody(request: Request, maxBytes: number): Promise<LimitedBody> {
  if (Number(request.headers.get('content-length')) > maxBytes) return undefined;
  if (!request.body) return { text: '', bytes: 0 };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return { text: new TextDecoder().decode(whole), bytes };
}
