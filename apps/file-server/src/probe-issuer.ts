import { discoverAuthorizationServer } from '@portcullis/core/client';

/**
 * Checks at start that the issuer answers and publishes keys, so a wrong URL or an outage is
 * reported at once rather than on the first request. Returns the JWKS URL.
 */
export async function probeIssuer(issuer: string, jwksUri: string | undefined): Promise<string> {
  try {
    const uri =
      jwksUri ?? (await discoverAuthorizationServer(issuer, { timeoutMs: 5000 })).jwks_uri;
    if (!uri) throw new Error('its metadata names no jwks_uri');
    const response = await fetch(uri, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`${uri} answered HTTP ${response.status}`);
    const jwks = (await response.json()) as { keys?: unknown[] };
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
      throw new Error(`${uri} publishes no keys`);
    return uri;
  } catch (error) {
    const cause =
      (error as Error).cause instanceof Error
        ? `: ${((error as Error).cause as Error).message}`
        : '';
    throw new Error(`the issuer ${issuer} is unreachable: ${(error as Error).message}${cause}`);
  }
}
