/** The `fetch` signature Portcullis uses; inject one to add proxies, logging or test doubles. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Options for {@link fetchJson}. */
export interface FetchJsonOptions {
  fetch?: FetchLike;
  timeoutMs: number;
  init?: RequestInit;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
}

/**
 * Fetches a JSON object with a deadline, refusing non-2xx answers, oversized bodies and
 * anything that is not a JSON object. Errors name the URL and what went wrong.
 */
export async function fetchJson(
  url: string | URL,
  options: FetchJsonOptions,
): Promise<Record<string, unknown>> {
  const { fetch: fetchImpl = fetch, timeoutMs, init, maxBytes = 1 << 20 } = options;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      ...init,
      // Never followed: a 3xx is refused below as not `ok` (`manual`, not `error`, which
      // Workers do not implement).
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json', ...init?.headers },
    });
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
    throw new Error(`${url} could not be fetched: ${reason}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${url} answered HTTP ${response.status}`);
  }
  const text = await response.text();
  if (new TextEncoder().encode(text).byteLength > maxBytes)
    throw new Error(`${url} answered more than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${url} did not answer JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${url} did not answer a JSON object`);
  }
  return value as Record<string, unknown>;
}
