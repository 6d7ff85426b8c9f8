import {
  casdoorEndpoints,
  casdoorScopeImplications,
  createIntrospectionVerifier,
  createJwtVerifier,
  createScopePolicy,
} from '@portcullis/core';

// #region verifier
const casdoor = casdoorEndpoints('https://door.example.com');
export const verifier = createJwtVerifier({
  issuers: [{ issuer: casdoor.issuer, jwksUri: casdoor.jwksUri }],
  // Users' tokens carry the MCP URL (they asked with `resource`); client-credentials tokens
  // carry their client id: each machine client that may call is named here.
  audience: ['https://files.example.com/mcp', 'machine-client-id'],
  algorithms: ['RS256', 'RS512', 'ES256'], // what your applications sign with
});
// #endregion verifier

// #region scopes
// `read` grants every `*:read` scope, `write` every `*:write`, `admin` everything.
export const scopePolicy = createScopePolicy({ implications: casdoorScopeImplications });
// createRegistry({ tools, scopePolicy })
// #endregion scopes

// #region development
export const localCasdoor = createJwtVerifier({
  issuers: ['http://localhost:8000'],
  audience: ['http://localhost:8080/mcp', 'machine-client-id'],
  casdoorBuiltinKey: 'warn', // accepts the built-in certificate, with a warning: never in production
});
// #endregion development

// #region introspection
export const introspecting = createIntrospectionVerifier({
  issuer: casdoor.issuer,
  endpoint: casdoor.introspectionEndpoint, // POST /api/login/oauth/introspect
  clientId: process.env.RS_CLIENT_ID!, // the resource server's own Casdoor application
  clientSecret: process.env.RS_CLIENT_SECRET!,
  clientAuthMethod: 'client_secret_basic',
  audience: ['https://files.example.com/mcp', 'machine-client-id'],
  cacheSeconds: 30, // a logout or a disabled user is seen within 30 s; 0 asks every time
});
// #endregion introspection
