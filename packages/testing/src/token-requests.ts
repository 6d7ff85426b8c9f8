import { createHash, randomBytes } from 'node:crypto';
import { type DpopKey, dpopProof } from './dpop-keys.js';
import type { AuthorizationServerProfile } from './profiles.js';

/** A token endpoint's successful answer. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
  [key: string]: unknown;
}

/** How a confidential client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** Options for the client credentials grant. */
export interface ClientCredentialsTokenOptions {
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes. */
  scope?: string;
  /** RFC 8707 resource indicator: the MCP endpoint the token is for. */
  resource?: string;
  /** Default: `client_secret_post` in the Casdoor profile, else `client_secret_basic`. */
  authMethod?: ClientAuthMethod;
  /** Ask for a DPoP-bound token (RFC 9449): the request carries a proof made with this key. */
  dpop?: DpopKey;
}

/** Options for the authorization code grant with PKCE. */
export interface AuthorizationCodeTokenOptions {
  clientId: string;
  /** Absent for a public client. */
  clientSecret?: string;
  redirectUri: string;
  scope?: string;
  /** Sent on both the authorization request and the code exchange, as the same string. */
  resource?: string;
  /** Who logs in (sent as `login_hint`). */
  subject?: string;
  authMethod?: ClientAuthMethod;
}

/** Options for the refresh token grant. */
export interface RefreshTokenOptions {
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  resource?: string;
  scope?: string;
  authMethod?: ClientAuthMethod;
  /** Ask for a DPoP-bound token with this key (a bound refresh token needs the same key). */
  dpop?: DpopKey;
}

/** A token endpoint's error answer, thrown by the helpers. */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`token request failed with HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

async function postToken(
  tokenEndpoint: string,
  form: Record<string, string | undefined>,
  client: {
    clientId: string;
    clientSecret?: string;
    authMethod: ClientAuthMethod;
    dpop?: DpopKey;
  },
): Promise<TokenResponse> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) if (value !== undefined) body.set(name, value);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client.clientSecret === undefined || client.authMethod === 'client_secret_post') {
    body.set('client_id', client.clientId);
    if (client.clientSecret !== undefined) body.set('client_secret', client.clientSecret);
  } else {
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString('base64')}`;
  }
  if (client.dpop)
    headers.dpop = await dpopProof(client.dpop, { method: 'POST', url: tokenEndpoint });
  const response = await fetch(tokenEndpoint, { method: 'POST', headers, body });
  const json = (await response.json()) as unknown;
  if (!response.ok) throw new TokenRequestError(response.status, json);
  return json as TokenResponse;
}

const defaultAuthMethod = (profile: AuthorizationServerProfile): ClientAuthMethod =>
  profile === 'casdoor' ? 'client_secret_post' : 'client_secret_basic';

/** Runs the client credentials grant. */
export function requestClientCredentialsToken(
  tokenEndpoint: string,
  profile: AuthorizationServerProfile,
  options: ClientCredentialsTokenOptions,
): Promise<TokenResponse> {
  return postToken(
    tokenEndpoint,
    { grant_type: 'client_credentials', scope: options.scope, resource: options.resource },
    { ...options, authMethod: options.authMethod ?? defaultAuthMethod(profile) },
  );
}

/** Runs the refresh token grant. */
export function requestRefreshToken(
  tokenEndpoint: string,
  profile: AuthorizationServerProfile,
  options: RefreshTokenOptions,
): Promise<TokenResponse> {
  return postToken(
    tokenEndpoint,
    {
      grant_type: 'refresh_token',
      refresh_token: options.refreshToken,
      resource: options.resource,
      scope: options.scope,
    },
    { ...options, authMethod: options.authMethod ?? defaultAuthMethod(profile) },
  );
}

/**
 * Runs the authorization code grant with PKCE (S256) as a browser would: follows the
 * redirects of the authorization endpoint with its cookies until the server redirects to
 * `redirectUri` with a code, then exchanges the code.
 */
export async function requestAuthorizationCodeToken(
  endpoints: { authorizationEndpoint: string; tokenEndpoint: string },
  options: AuthorizationCodeTokenOptions,
): Promise<TokenResponse> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(endpoints.authorizationEndpoint);
  const params: Record<string, string | undefined> = {
    client_id: options.clientId,
    response_type: 'code',
    redirect_uri: options.redirectUri,
    scope: options.scope,
    resource: options.resource,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: options.subject,
  };
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) authorize.searchParams.set(name, value);

  const callback = await approveAuthorization(authorize.href, options.redirectUri);
  if (callback.searchParams.get('state') !== state)
    throw new Error('authorization answered with another state');
  const code = callback.searchParams.get('code');
  if (!code)
    throw new Error(
      `authorization failed: ${callback.searchParams.get('error_description') ?? callback.search}`,
    );
  return postToken(
    endpoints.tokenEndpoint,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: options.redirectUri,
      code_verifier: verifier,
      resource: options.resource,
    },
    {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      authMethod: options.authMethod ?? 'client_secret_basic',
    },
  );
}

/**
 * Plays the browser for an authorization request: follows the authorization server's
 * redirects, keeping its cookies, until it redirects to `redirectUri`, and returns that URL
 * (with `code` and `state`, or `error`). Works with this package's server, which approves
 * logins and consent by itself.
 */
export async function approveAuthorization(
  authorizationUrl: string | URL,
  redirectUri: string,
): Promise<URL> {
  const cookies = new Map<string, string>();
  let location = String(authorizationUrl);
  for (let hop = 0; hop < 10; hop += 1) {
    if (location.startsWith(redirectUri)) return new URL(location);
    const response = await fetch(location, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const equals = pair!.indexOf('=');
      cookies.set(pair!.slice(0, equals), pair!.slice(equals + 1));
    }
    const next = response.headers.get('location');
    if (!next)
      throw new Error(
        `authorization stopped with HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`,
      );
    location = new URL(next, location).href;
  }
  throw new Error('authorization did not finish within 10 redirects');
}
