/** The spec clauses checks cite, written once. */
export const CLAUSES = {
  bearerChallenge: 'RFC 6750 §3',
  invalidToken: 'RFC 6750 §3.1 (invalid_token)',
  insufficientScope: 'RFC 6750 §3.1 (insufficient_scope)',
  resourceMetadataParameter: 'RFC 9728 §5.1',
  wellKnown: 'RFC 9728 §3.1',
  resourceValue: 'RFC 9728 §3.3',
  metadataFields: 'RFC 9728 §2',
  authorizationServerMetadata: 'RFC 8414 §3; OpenID Connect Discovery 1.0 §4',
  audience: 'RFC 8707 §2',
  dpopBound: 'RFC 9449 §7.1',
  dpopReplay: 'RFC 9449 §11.1',
  dpopHtu: 'RFC 9449 §4.3',
  mcp2025: 'MCP authorization 2025-11-25',
  mcp2026: 'MCP authorization 2026-07-28',
  transports2025: 'MCP transports 2025-11-25 (Security Warning)',
  transports2026: 'MCP transports 2026-07-28 (Streamable HTTP headers)',
} as const;

/** Joins clauses into the one string a result carries. */
export const cite = (...clauses: string[]) => clauses.join('; ');
