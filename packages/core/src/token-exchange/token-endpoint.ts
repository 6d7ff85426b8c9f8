import type { ExchangedTokenRecord } from './exchanged-token-store.js';
import { TokenExchangeError, type TokenExchangeErrorCode } from './token-exchange-error.js';

/** The RFC 8693 grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The RFC 8693 token type of an access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const KNOWN_CODES = new Set<string>([
  'invalid_target',
  'invalid_scope',
  'unauthorized_client',
  'invalid_grant',
  'invalid_request',
  'invalid_client',
  'unsupported_grant_type',
]);

/** The largest token endpoint answer read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** One POST to the token endpoint; `send` builds the request (a fresh DPoP proof each time). */
export type TokenRequestSender = (dpopNonce?: string) => Promise<Response>;

/** Reads a short, printable `error_description` (never echoes a long or odd string). */
function descriptionOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  const text = await response.text();
  if (text.length > MAX_ANSWER_BYTES) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Posts a token exchange and reads the answer: a token record, or a {@link TokenExchangeError}
 * with the server's own error code. Retries once when the server asks for a DPoP nonce.
 */
export async function requestExchange(
  tokenEndpoint: string,
  send: TokenRequestSender,
  now: number,
): Promise<ExchangedTokenRecord> {
  let response: Response;
  let body: Record<string, unknown> | undefined;
  try {
    response = await send();
    body = await readJson(response);
    const nonce = response.headers.get('dpop-nonce');
    if (response.status === 400 && body?.error === 'use_dpop_nonce' && nonce) {
      response = await send(nonce);
      body = await readJson(response);
    }
  } catch (error) {
    throw new TokenExchangeError(
      'unavailable',
      `the token endpoint ${tokenEndpoint} could not be reached: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!response.ok) {
    const code = typeof body?.error === 'string' ? body.error : undefined;
    const description = descriptionOf(body?.error_description);
    const known = code !== undefined && KNOWN_CODES.has(code);
    throw new TokenExchangeError(
      known ? (code as TokenExchangeErrorCode) : 'unavailable',
      `the authorization server refused the token exchange (HTTP ${response.status}${
        code ? `, ${known ? code : JSON.stringify(descriptionOf(code))}` : ''
      })${description ? `: ${description}` : ''}`,
      { source: 'authorization-server', status: response.status },
    );
  }
  const accessToken = body?.access_token;
  const tokenType = body?.token_type;
  if (typeof accessToken !== 'string' || accessToken === '' || typeof tokenType !== 'string')
    throw new TokenExchangeError(
      'unavailable',
      `the token endpoint ${tokenEndpoint} answered without access_token or token_type`,
      { source: 'authorization-server', status: response.status },
    );
  const expiresIn = Number(body?.expires_in);
  return {
    accessToken,
    tokenType,
    scope: typeof body?.scope === 'string' ? body.scope : '',
    // No `expires_in`: assume a minute, so the token is reused only briefly.
    expiresAt:
      Math.floor(now / 1000) + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 60),
    ...(typeof body?.issued_token_type === 'string' && {
      issuedTokenType: body.issued_token_type,
    }),
  };
}
