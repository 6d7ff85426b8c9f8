import { invalidToken } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import { parseScopeValue } from './scope-policy.js';

/** Turns token claims into scopes, for authorization servers with their own claim layout. */
export type ScopeMapper = (claims: Readonly<Record<string, unknown>>) => readonly string[];

/** Reads scopes from `scope`, else `scp`; each may be a space-separated string or an array. */
export const defaultScopeMapper: ScopeMapper = (claims) =>
  parseScopeValue(claims.scope ?? claims.scp);

/**
 * Refuses tokens that are not access tokens although they are signed by the same key:
 * refresh and id tokens (Casdoor's `tokenType`, Cognito's `token_use`, OpenID Connect's
 * `nonce` and `at_hash`, which only id tokens carry).
 */
export function assertAccessTokenKind(claims: Readonly<Record<string, unknown>>): void {
  if (claims.tokenType !== undefined && claims.tokenType !== 'access-token') {
    throw invalidToken(`expected an access token, got tokenType "${String(claims.tokenType)}"`);
  }
  if (claims.token_use !== undefined && claims.token_use !== 'access') {
    throw invalidToken(`expected an access token, got token_use "${String(claims.token_use)}"`);
  }
  if (claims.nonce !== undefined || claims.at_hash !== undefined) {
    throw invalidToken('expected an access token, got an OpenID Connect id token');
  }
}

/** Checks `aud` (a string or an array) against the allowlist; the message says both sides. */
export function assertAudience(aud: unknown, allowed: ReadonlySet<string>): string[] {
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const found = audiences.filter((value): value is string => typeof value === 'string');
  if (found.length === 0) {
    throw invalidToken(`token has no audience; expected one of ${[...allowed].join(', ')}`);
  }
  if (!found.some((value) => allowed.has(value))) {
    throw invalidToken(
      `token audience ${found.join(', ')} is not accepted here; expected one of ${[...allowed].join(', ')}`,
    );
  }
  return found;
}

function resourceOf(audiences: readonly string[], allowed: ReadonlySet<string>): URL | undefined {
  for (const audience of audiences) {
    if (allowed.has(audience) && URL.canParse(audience)) return new URL(audience);
  }
  return undefined;
}

/** Builds the {@link AuthInfo} of a verified token from its claims. */
export function toAuthInfo(
  token: string,
  claims: Readonly<Record<string, unknown>>,
  audiences: readonly string[],
  allowedAudiences: ReadonlySet<string>,
  scopeMapper: ScopeMapper,
): AuthInfo {
  const clientId = claims.client_id ?? claims.azp;
  const subject = claims.sub ?? clientId;
  if (typeof subject !== 'string' || subject.length === 0) {
    throw invalidToken('token has neither a subject nor a client id');
  }
  return {
    token,
    clientId: typeof clientId === 'string' ? clientId : subject,
    scopes: [...scopeMapper(claims)],
    expiresAt: claims.exp as number,
    resource: resourceOf(audiences, allowedAudiences),
    issuer: claims.iss as string,
    subject,
    claims,
    // For code that only knows the SDK's AuthInfo.
    extra: { issuer: claims.iss, subject },
  };
}
