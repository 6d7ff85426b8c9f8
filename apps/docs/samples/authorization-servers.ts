import { createJwtVerifier, defaultScopeMapper } from '@portcullis/core';

const resource = 'https://files.example.com/mcp';

// #region keycloak
export const keycloak = createJwtVerifier({
  issuers: ['https://keycloak.example.com/realms/tools'],
  audience: resource, // with an Audience mapper that adds the MCP URL to `aud`
});
// #endregion keycloak

// #region auth0
export const auth0 = createJwtVerifier({
  issuers: ['https://example-tenant.auth0.com/'], // the trailing slash is part of `iss`
  audience: resource, // the API's Identifier
});
// #endregion auth0

// #region any
export const anyIssuer = createJwtVerifier({
  // No discovery: name the JWKS directly.
  issuers: [{ issuer: 'https://login.example.com', jwksUri: 'https://login.example.com/keys' }],
  audience: resource,
  clockToleranceSeconds: 5, // forgives a clock behind the issuer's (nbf, iat), never exp
  // Scopes from a roles claim as well as `scope`:
  scopeMapper: (claims) => [
    ...defaultScopeMapper(claims),
    ...(Array.isArray(claims.roles) ? claims.roles.map(String) : []),
  ],
});
// #endregion any
