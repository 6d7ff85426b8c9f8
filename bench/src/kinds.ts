/** The kinds of contender process (`contender.ts`), and what each is started with. */
export const CONTENDER_KINDS = [
  'portcullis-http-stateless',
  'portcullis-http-session',
  'portcullis-http-modern',
  'portcullis-http-dpop',
  'portcullis-http-rate-limited',
  'portcullis-http-audited',
  'portcullis-fetch-node',
  'portcullis-ws',
  'portcullis-stdio',
  'sdk-v2',
  'sdk-v1-stateless',
  'sdk-v1-session',
  'floor-http-cached',
  'floor-http-verify',
  'floor-ws',
] as const;
export type ContenderKind = (typeof CONTENDER_KINDS)[number];

export interface ContenderConfig {
  kind: ContenderKind;
  issuer: string;
  /** The counting JWKS endpoint of the authorization server process, one path per contender. */
  jwksUri: string;
  /** The stdio server's resource (its token's audience). */
  resource?: string;
}
