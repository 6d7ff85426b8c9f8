import type { ScopeImplications } from './scope-policy.js';

/**
 * Casdoor's shorthand scopes: `read` grants every `*:read` scope, `write` every `*:write`,
 * `admin` everything. Pass as `implications` to a scope policy.
 */
export const casdoorScopeImplications: ScopeImplications = {
  read: ['*:read'],
  write: ['*:write'],
  admin: ['*'],
};

/**
 * RFC 7638 thumbprint of the signing key that ships in Casdoor's public repository as the
 * certificate `cert-built-in`. Any deployment that still uses it signs tokens with a private
 * key that anyone can download, so a token verified with it proves nothing.
 */
export const CASDOOR_BUILTIN_KEY_THUMBPRINT = 'KikP8HIWMxFExJUuKXl8KOws9iLU8E7MiM8jVlJWyLI';

/** Where a Casdoor deployment publishes its endpoints, relative to its origin. */
export function casdoorEndpoints(origin: string | URL) {
  const base = new URL(origin);
  const at = (path: string) => new URL(path, base).href;
  return {
    issuer: base.origin,
    jwksUri: at('/.well-known/jwks'),
    tokenEndpoint: at('/api/login/oauth/access_token'),
    introspectionEndpoint: at('/api/login/oauth/introspect'),
    mcpEndpoint: at('/api/mcp'),
  };
}
