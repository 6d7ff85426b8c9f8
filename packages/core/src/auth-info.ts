import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/server';

/**
 * What a verified access token tells about its caller.
 *
 * Structurally compatible with the MCP SDK's `AuthInfo`, so it can be handed to the SDK's
 * transports as `req.auth` and reaches tool handlers as `extra.authInfo`. Adds the issuer,
 * the subject and the raw claims, which the SDK type leaves out.
 */
export interface AuthInfo extends SdkAuthInfo {
  /** The `iss` of the token (or of the introspection answer). */
  issuer: string;
  /** The `sub` of the token: a user id, or a client for machine-to-machine tokens. */
  subject: string;
  /** Expiry in seconds since the epoch; always set, tokens without `exp` are refused. */
  expiresAt: number;
  /** Every claim of the token, for application-specific checks. */
  claims: Readonly<Record<string, unknown>>;
  /**
   * The RFC 7638 thumbprint of the key that proved possession of a DPoP-bound token on this
   * request (RFC 9449); absent for bearer tokens.
   */
  dpopThumbprint?: string;
}

/**
 * The stable identity behind a token: issuer, subject and client.
 *
 * Sessions, rate limits and audit records key on this, never on the token bytes, so a
 * refreshed token keeps its identity and another caller's token never shares it.
 */
export function identityKey(auth: Pick<AuthInfo, 'issuer' | 'subject' | 'clientId'>): string {
  return JSON.stringify([auth.issuer, auth.subject, auth.clientId]);
}
